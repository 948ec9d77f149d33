import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Authorizer } from "../auth/types.js";
import { memoryDriver } from "../driver/memory.js";
import type { StorageDriver } from "../driver/types.js";
import { createRegistry, type RequestLog } from "../registry.js";

export interface TestRegistry {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>` */
  host: string;
  close(): Promise<void>;
}

export interface TestRegistryOptions {
  driver?: StorageDriver;
  authorizer?: Authorizer;
  /** Default true: tests usually want deletes. */
  deleteEnabled?: boolean;
  logger?: (record: RequestLog) => void;
}

/** An in-process registry on a loopback port chosen by the system; memory storage by default. */
export async function startTestRegistry(opts: TestRegistryOptions = {}): Promise<TestRegistry> {
  const registry = createRegistry({
    driver: opts.driver ?? memoryDriver(),
    deleteEnabled: opts.deleteEnabled ?? true,
    purgeUploads: false,
    ...(opts.authorizer ? { authorizer: opts.authorizer } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    void registry.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await registry.close();
    },
  };
}

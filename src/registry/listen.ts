import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { memoryDriver } from "./driver/memory.js";
import { createRegistry, type RegistryOptions } from "./registry.js";

export interface ListenOptions extends Partial<RegistryOptions> {
  /** The address to listen on (default `127.0.0.1`). */
  host?: string;
  /** The port (default 0: one the system picks). */
  port?: number;
}

export interface ListeningRegistry {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>`: the registry part of image references (`127.0.0.1:40123/app:1`). */
  host: string;
  /** Stops listening, cuts idle connections and waits for requests in flight. */
  close(): Promise<void>;
}

/**
 * A registry in this process, over plain HTTP: `createRegistry` on a `node:http` server. Storage is
 * in memory unless a `driver` is given (`fsDriver({ root })` for Distribution's on-disk layout).
 * For TLS, configuration files and signals, `wharf registry serve` (`startRegistryServer`) is the one.
 */
export async function startRegistry(opts: ListenOptions = {}): Promise<ListeningRegistry> {
  const { host = "127.0.0.1", port = 0, driver, ...rest } = opts;
  const registry = createRegistry({ ...rest, driver: driver ?? memoryDriver() });
  const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    void registry.handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const name =
    address.family === "IPv6" ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
  return {
    url: `http://${name}`,
    host: name,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await registry.close();
    },
  };
}

import type { Authorizer } from "../auth/types.js";
import type { StorageDriver } from "../driver/types.js";
import { type ListeningRegistry, startRegistry } from "../listen.js";
import type { RequestLog } from "../registry.js";

export type TestRegistry = ListeningRegistry;

export interface TestRegistryOptions {
  driver?: StorageDriver;
  authorizer?: Authorizer;
  /** Default true: tests usually want deletes. */
  deleteEnabled?: boolean;
  logger?: (record: RequestLog) => void;
}

/** An in-process registry on a loopback port chosen by the system; memory storage by default. */
export function startTestRegistry(opts: TestRegistryOptions = {}): Promise<TestRegistry> {
  return startRegistry({ ...opts, deleteEnabled: opts.deleteEnabled ?? true, purgeUploads: false });
}

import { startDistribution } from "../../registry/testing/distribution.js";

export interface Fixture {
  url: string;
  host: string;
  close(): Promise<void>;
}

/**
 * The registry the client's tests run against. Distribution 2.8.2 until wharf's own in-process test
 * registry (`startTestRegistry` in `registry/testing/server.ts`) is available.
 */
export function registryFixture(): Promise<Fixture> {
  return startDistribution();
}

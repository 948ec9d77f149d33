import type { RunOptions } from "../types.js";

/**
 * Whether a new container's network options need a look at the networks (check.ts, loaded only
 * then): a plain run on the default bridge, `none` or `host` does not.
 */
export function networkOptionsToCheck(o: RunOptions): boolean {
  const m = o.network ?? "default";
  return (m !== "default" && m !== "none" && m !== "host") || o.endpoints !== undefined;
}

import { createHash } from "node:crypto";
import type { ServiceConfig } from "./types.js";

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/**
 * The service's `com.docker.compose.config-hash`: sha256 of its normalised config (keys sorted),
 * without what does not change the container (`build`, `depends_on`: the image ID is compared apart).
 */
export function configHash(s: ServiceConfig): string {
  const { build: _b, depends_on: _d, ...rest } = s;
  return createHash("sha256")
    .update(JSON.stringify(canonical(rest)))
    .digest("hex");
}

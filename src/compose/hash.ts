import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { FileObjectConfig, Project, ServiceConfig } from "./types.js";

/** What a secret or config holds now (a file's bytes hashed; absent when it cannot be read). */
function contentOf(p: Project | undefined, o: FileObjectConfig | undefined): string | undefined {
  if (!o) return undefined;
  if (o.content !== undefined) return o.content;
  if (o.environment !== undefined) return p?.environment?.[o.environment];
  if (o.file === undefined) return undefined;
  try {
    return createHash("sha256").update(readFileSync(o.file)).digest("hex");
  } catch {
    return undefined;
  }
}

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
 * without what does not change the container (`build`, `depends_on`, `profiles`, `pull_policy`,
 * `scale`, `deploy.replicas`, the `post_start`/`pre_stop` hooks: the image ID is compared apart,
 * the replicas counted apart, the hooks run by the verbs; as Compose's ServiceHash); with the project, the content of the secrets and configs it gets too, so
 * that a changed secret recreates the container.
 */
export function configHash(s: ServiceConfig, p?: Project): string {
  const {
    build: _b,
    depends_on: _d,
    profiles: _p,
    scale: _s,
    deploy,
    pull_policy: _pp,
    post_start: _ps,
    pre_stop: _st,
    ...kept
  } = s;
  const { replicas: _r, ...run } = deploy ?? {};
  const rest = Object.keys(run).length > 0 ? { ...kept, deploy: run } : kept;
  const files =
    p && (s.secrets?.length || s.configs?.length)
      ? {
          secrets: (s.secrets ?? []).map((r) => contentOf(p, p.secrets?.[r.source]) ?? null),
          configs: (s.configs ?? []).map((r) => contentOf(p, p.configs?.[r.source]) ?? null),
        }
      : undefined;
  return createHash("sha256")
    .update(JSON.stringify(canonical(files ? { ...rest, "x-content": files } : rest)))
    .digest("hex");
}

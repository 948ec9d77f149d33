import { configHash } from "./hash.js";
import type { Project, ServiceConfig } from "./types.js";

/** Compose's label keys. */
export const LABELS = {
  project: "com.docker.compose.project",
  service: "com.docker.compose.service",
  number: "com.docker.compose.container-number",
  oneoff: "com.docker.compose.oneoff",
  workingDir: "com.docker.compose.project.working_dir",
  configFiles: "com.docker.compose.project.config_files",
  hash: "com.docker.compose.config-hash",
  dependsOn: "com.docker.compose.depends_on",
  image: "com.docker.compose.image",
  network: "com.docker.compose.network",
  volume: "com.docker.compose.volume",
  version: "com.docker.compose.version",
} as const;

/** `<project>-<service>-<n>`, or the service's `container_name`. */
export function containerName(p: Project, s: ServiceConfig, n = 1): string {
  return s.container_name?.replace(/^\//, "") ?? `${p.name}-${s.name}-${n}`;
}

/** The labels of a project's network or volume (`key`: its key in the file). */
export function projectLabels(p: Project, kind: "network" | "volume", key: string): Record<string, string> {
  return { [LABELS.project]: p.name, [kind === "network" ? LABELS.network : LABELS.volume]: key };
}

/** A service container's labels: the service's own, then Compose's. */
export function serviceLabels(
  p: Project,
  s: ServiceConfig,
  opts: { n?: number; oneoff?: boolean } = {},
): Record<string, string> {
  return {
    ...s.labels,
    [LABELS.project]: p.name,
    [LABELS.service]: s.name,
    [LABELS.number]: String(opts.n ?? 1),
    [LABELS.oneoff]: opts.oneoff ? "True" : "False",
    [LABELS.workingDir]: p.workingDir,
    [LABELS.configFiles]: p.configFiles.join(","),
    [LABELS.hash]: configHash(s, p),
    [LABELS.dependsOn]: Object.entries(s.depends_on ?? {})
      .map(([d, c]) => `${d}:${c.condition}:false`)
      .join(","),
  };
}

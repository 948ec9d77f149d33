/** Exposed ports and the bindings `-P` adds: string handling only. */
import type { PortProtocol, PublishSpec } from "./types.js";

/** `80/tcp` → port and protocol. */
export function parsePortKey(key: string): { port: number; protocol: PortProtocol } {
  const [p = "", proto = "tcp"] = key.split("/");
  return { port: Number(p), protocol: proto as PortProtocol };
}

/**
 * The container's exposed ports (`port/proto`), sorted: the image's `ExposedPorts`, `--expose`
 * and the container ports of `-p`, as Docker merges them into `Config.ExposedPorts`.
 */
export function exposedPorts(
  imageExposed: Record<string, unknown> | undefined,
  expose: string[] | undefined,
  publish: PublishSpec[] | undefined,
): string[] {
  const keys = new Set<string>();
  for (const k of Object.keys(imageExposed ?? {})) keys.add(k.includes("/") ? k : `${k}/tcp`);
  for (const k of expose ?? []) keys.add(k.includes("/") ? k : `${k}/tcp`);
  for (const p of publish ?? []) keys.add(`${p.containerPort}/${p.protocol}`);
  return [...keys].sort((a, b) => {
    const [x, y] = [parsePortKey(a), parsePortKey(b)];
    return x.port - y.port || x.protocol.localeCompare(y.protocol);
  });
}

/** The bindings to make: `-p`'s, and with `-P` every exposed port that `-p` did not bind. */
export function wantedBindings(exposed: string[], publish: PublishSpec[], all: boolean): PublishSpec[] {
  if (!all) return publish;
  const bound = new Set(publish.map((p) => `${p.containerPort}/${p.protocol}`));
  const extra = exposed
    .filter((k) => !bound.has(k))
    .map((k): PublishSpec => {
      const { port, protocol } = parsePortKey(k);
      return { containerPort: port, protocol, hostIp: "", hostPort: "" };
    });
  return [...publish, ...extra];
}

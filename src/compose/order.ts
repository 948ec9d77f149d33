import { WharfError } from "../errors/index.js";
import type { ServiceConfig } from "./types.js";

/**
 * The services in the order `up` starts them: each after those it depends on, otherwise in the
 * file's order. A cycle is refused in Compose's words.
 */
export function startOrder(services: readonly ServiceConfig[]): ServiceConfig[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const out: ServiceConfig[] = [];
  const done = new Set<string>();
  const visit = (s: ServiceConfig, path: string[]) => {
    if (done.has(s.name)) return;
    if (path.includes(s.name)) {
      throw new WharfError(
        "invalid-argument",
        `dependency cycle detected: ${[...path.slice(path.indexOf(s.name)), s.name].join(" -> ")}`,
        {
          hint: "remove one of the depends_on entries of the cycle",
        },
      );
    }
    for (const d of Object.keys(s.depends_on ?? {})) {
      const dep = byName.get(d);
      if (dep) visit(dep, [...path, s.name]);
    }
    done.add(s.name);
    out.push(s);
  };
  for (const s of services) visit(s, []);
  return out;
}

/** The named services and, transitively, those they depend on (all of them when none is named). */
export function withDependencies(
  services: readonly ServiceConfig[],
  names: readonly string[],
): ServiceConfig[] {
  if (names.length === 0) return [...services];
  const byName = new Map(services.map((s) => [s.name, s]));
  const want = new Set<string>();
  const add = (n: string) => {
    if (want.has(n)) return;
    const s = byName.get(n);
    if (!s)
      throw new WharfError("not-found", `no such service: ${n}`, {
        hint: `the project's services: ${[...byName.keys()].join(", ")}`,
      });
    want.add(n);
    for (const d of Object.keys(s.depends_on ?? {})) add(d);
  };
  for (const n of names) add(n);
  return services.filter((s) => want.has(s.name));
}

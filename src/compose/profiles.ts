import { WharfError } from "../errors/index.js";
import type { Project, ServiceConfig } from "./types.js";

/** Whether the active profiles enable a service (one without profiles always is; `*` enables all). */
export function enabled(s: ServiceConfig, active: ReadonlySet<string>): boolean {
  if (!s.profiles?.length) return true;
  return active.has("*") || s.profiles.some((p) => active.has(p));
}

/**
 * The project with only the services its profiles enable (the others kept as `disabled`), as
 * Compose selects them: the profiles of the services named on the command line are activated
 * too (`up SERVICE` starts a service whatever its profiles). A service selected (those named and
 * their dependencies, else all) that requires one left disabled is refused in Compose's words; an
 * optional dependency on one (`required: false`) is dropped.
 */
export function selectProfiles(p: Project, profiles: readonly string[], named: readonly string[]): Project {
  const all = [...p.services, ...(p.disabled ?? [])];
  const active = new Set(profiles);
  for (const n of named) {
    const s = all.find((x) => x.name === n);
    if (s && !enabled(s, active)) for (const x of s.profiles ?? []) active.add(x);
  }
  const services = all.filter((s) => enabled(s, active));
  const disabled = all.filter((s) => !enabled(s, active));
  const on = new Set(services.map((s) => s.name));
  // The services checked: those named and what they depend on, else all of them.
  const checked = new Set<string>();
  const visit = (n: string) => {
    if (checked.has(n) || !on.has(n)) return;
    checked.add(n);
    for (const d of Object.keys(services.find((s) => s.name === n)?.depends_on ?? {})) visit(d);
  };
  for (const n of named.length ? named : [...on]) visit(n);
  const out = services.map((s): ServiceConfig => {
    const deps = Object.entries(s.depends_on ?? {});
    if (!checked.has(s.name) || deps.every(([d]) => on.has(d))) return s;
    const kept: NonNullable<ServiceConfig["depends_on"]> = {};
    for (const [d, c] of deps) {
      if (on.has(d)) kept[d] = c;
      else if (c.required) {
        const ds = disabled.find((x) => x.name === d);
        throw new WharfError(
          "invalid-argument",
          `service "${d}" is required by "${s.name}" but is disabled. Can be enabled by profiles [${(ds?.profiles ?? []).join(" ")}]`,
          { hint: `activate one of its profiles (--profile ${ds?.profiles?.[0] ?? d}), or name ${d} too` },
        );
      }
    }
    const { depends_on: _d, ...rest } = s;
    return Object.keys(kept).length ? { ...rest, depends_on: kept } : rest;
  });
  return {
    ...p,
    services: out,
    ...(disabled.length ? { disabled } : {}),
    profiles: [...active].sort(),
  };
}

/** Every profile the project's services name, sorted (`config --profiles`). */
export function allProfiles(p: Project): string[] {
  const s = new Set([...p.services, ...(p.disabled ?? [])].flatMap((x) => x.profiles ?? []));
  return [...s].sort();
}

import { isMap } from "./schema.js";

/** A `K=V` list as a map; a map as it is. */
function asMap(v: unknown): Record<string, unknown> {
  if (Array.isArray(v)) {
    return Object.fromEntries(
      v.map((e) => {
        const s = String(e);
        const i = s.indexOf("=");
        return i < 0 ? [s, null] : [s.slice(0, i), s.slice(i + 1)];
      }),
    );
  }
  return isMap(v) ? v : {};
}

/** A list of names as a map of nulls (`networks`, `depends_on`). */
function namesMap(v: unknown): Record<string, unknown> {
  return Array.isArray(v) ? Object.fromEntries(v.map((n) => [String(n), null])) : isMap(v) ? v : {};
}

function unique(a: unknown[]): unknown[] {
  const seen = new Set<string>();
  return a.filter((x) => {
    const k = JSON.stringify(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function volumeTarget(v: unknown): string {
  if (isMap(v)) return String(v.target);
  const parts = String(v).split(":");
  return parts.length === 1 ? (parts[0] ?? "") : (parts[1] ?? "");
}

function deep(a: unknown, b: unknown): unknown {
  if (isMap(a) && isMap(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = k in a ? deep(a[k], v) : v;
    return out;
  }
  return b;
}

/** One service of a later file over the same service of an earlier one, by Compose's merge rules. */
export function mergeService(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const a = base[k];
    if (a === undefined) {
      out[k] = v;
      continue;
    }
    switch (k) {
      case "environment":
      case "labels":
      case "sysctls":
      case "annotations":
        out[k] = { ...asMap(a), ...asMap(v) };
        break;
      case "networks":
      case "depends_on":
        out[k] = deep(namesMap(a), namesMap(v));
        break;
      case "ports":
      case "expose":
      case "extra_hosts":
      case "env_file":
      case "cap_add":
      case "cap_drop":
      case "security_opt":
      case "group_add":
      case "dns":
      case "dns_search":
      case "dns_opt":
      case "tmpfs":
      case "devices":
      case "links":
      case "volumes_from":
      case "external_links":
      case "device_cgroup_rules":
      case "label_file":
        out[k] = unique([...(Array.isArray(a) ? a : [a]), ...(Array.isArray(v) ? v : [v])]);
        break;
      case "volumes": {
        const byTarget = new Map<string, unknown>();
        for (const x of [...(Array.isArray(a) ? a : []), ...(Array.isArray(v) ? v : [])])
          byTarget.set(volumeTarget(x), x);
        out[k] = [...byTarget.values()];
        break;
      }
      case "build": {
        const ab = typeof a === "string" ? { context: a } : a;
        const vb = typeof v === "string" ? { context: v } : v;
        const merged = deep(ab, vb) as Record<string, unknown>;
        if (isMap(ab) && isMap(vb) && ab.args !== undefined && vb.args !== undefined) {
          merged.args = { ...asMap(ab.args), ...asMap(vb.args) };
        }
        out[k] = merged;
        break;
      }
      case "command":
      case "entrypoint":
        out[k] = v;
        break;
      default:
        out[k] = deep(a, v);
    }
  }
  return out;
}

/** A later file's top level over an earlier one's: services merged one by one, the rest deeply. */
export function mergeFiles(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (k === "services" && isMap(base.services) && isMap(v)) {
      const services: Record<string, unknown> = { ...base.services };
      for (const [name, s] of Object.entries(v)) {
        const a = services[name];
        services[name] = isMap(a) && isMap(s) ? mergeService(a, s) : s;
      }
      out.services = services;
    } else {
      out[k] = k in base ? deep(base[k], v) : v;
    }
  }
  return out;
}

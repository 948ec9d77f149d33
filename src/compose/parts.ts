import { isAbsolute, resolve } from "node:path";
import {
  checkKeys,
  HEALTH_KEYS,
  invalidFile,
  isMap,
  mustBe,
  PORT_KEYS,
  VOLUME_MOUNT_KEYS,
} from "./schema.js";
import type { HealthcheckConfig, PortConfig, VolumeMount } from "./types.js";

/** Words of a string as a POSIX shell splits them (quotes and backslashes; no expansion), as Compose's shlex. */
export function shellSplit(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  let q: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (q === "'") {
      if (c === "'") q = undefined;
      else cur += c;
    } else if (q === '"') {
      if (c === '"') q = undefined;
      else if (c === "\\" && i + 1 < s.length && '"\\$`'.includes(s[i + 1] as string)) cur += s[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      q = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (q) throw new Error(`unterminated quote in ${JSON.stringify(s)}`);
  if (inWord) out.push(cur);
  return out;
}

/** `command`/`entrypoint`: a list as it is, a string split as a shell would. */
export function words(file: string, where: string, v: unknown): string[] {
  if (typeof v === "string") {
    try {
      return shellSplit(v);
    } catch (e) {
      throw invalidFile(file, `${where}: ${(e as Error).message}`);
    }
  }
  if (Array.isArray(v)) return v.map(String);
  throw mustBe(file, where, "string or array");
}

/** A list `K=V` (or `K`) or a map, as a map (list entries without `=` are null). */
export function keyMap(file: string, where: string, v: unknown): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (Array.isArray(v)) {
    for (const e of v) {
      const s = String(e);
      const i = s.indexOf("=");
      if (i < 0) out[s] = null;
      else out[s.slice(0, i)] = s.slice(i + 1);
    }
    return out;
  }
  if (isMap(v)) {
    for (const [k, x] of Object.entries(v)) out[k] = x === null || x === undefined ? null : String(x);
    return out;
  }
  throw mustBe(file, where, "object or array");
}

const PROTOCOLS = new Set(["tcp", "udp", "sctp"]);

function range(s: string): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  return a >= 1 && b <= 65535 && a <= b ? [a, b] : undefined;
}

/** One `ports` entry (short `[[IP:]HOST:]CONTAINER[/PROTO]` or the long form), as Compose's long form. */
export function ports(file: string, where: string, v: unknown): PortConfig[] {
  if (isMap(v)) {
    checkKeys(file, where, v, PORT_KEYS);
    const target = Number(v.target);
    if (!Number.isInteger(target) || target < 1 || target > 65535)
      throw invalidFile(file, `${where}.target must be a port`);
    const protocol = String(v.protocol ?? "tcp");
    if (!PROTOCOLS.has(protocol)) throw invalidFile(file, `${where}: invalid proto: ${protocol}`);
    return [
      {
        target,
        ...(v.published !== undefined && v.published !== "" ? { published: String(v.published) } : {}),
        ...(v.host_ip ? { host_ip: String(v.host_ip) } : {}),
        protocol: protocol as PortConfig["protocol"],
      },
    ];
  }
  if (typeof v !== "string" && typeof v !== "number") throw mustBe(file, where, "string or number");
  const raw = String(v);
  const [spec = "", proto = "tcp"] = raw.split("/");
  if (!PROTOCOLS.has(proto)) throw invalidFile(file, `${where}: invalid proto: ${proto}`);
  // The host IP may be an IPv6 address in brackets.
  const m = /^(?:(\[[^\]]+\]|[^:]*):)??(?:([^:]*):)?([^:]+)$/.exec(spec);
  const ip = m?.[1]?.replace(/^\[|\]$/g, "");
  const host = m?.[2];
  const ctr = m ? range(m[3] ?? "") : undefined;
  const hostRange = host ? range(host) : undefined;
  if (!m || !ctr || (host && !hostRange)) throw invalidFile(file, `${where}: invalid port spec: ${raw}`);
  const n = ctr[1] - ctr[0] + 1;
  if (hostRange && hostRange[1] - hostRange[0] + 1 !== n && n !== 1) {
    throw invalidFile(file, `${where}: invalid ranges specified for container and host Ports: ${raw}`);
  }
  const out: PortConfig[] = [];
  for (let i = 0; i < n; i++) {
    const published = !hostRange
      ? undefined
      : n === 1
        ? hostRange[0] === hostRange[1]
          ? String(hostRange[0])
          : `${hostRange[0]}-${hostRange[1]}`
        : String(hostRange[0] + i);
    out.push({
      target: ctr[0] + i,
      ...(published ? { published } : {}),
      ...(ip ? { host_ip: ip } : {}),
      protocol: proto as PortConfig["protocol"],
    });
  }
  return out;
}

function hostPath(dir: string, p: string): string {
  const home = process.env.HOME ?? "/root";
  const expanded = p === "~" ? home : p.startsWith("~/") ? `${home}${p.slice(1)}` : p;
  return isAbsolute(expanded) ? resolve(expanded) : resolve(dir, expanded);
}

/** One `volumes` entry (short `[SOURCE:]TARGET[:MODE]` or long form); bind sources made absolute. */
export function volume(file: string, where: string, v: unknown, dir: string): VolumeMount {
  if (isMap(v)) {
    checkKeys(file, where, v, VOLUME_MOUNT_KEYS);
    const type = String(v.type ?? "volume");
    if (type !== "volume" && type !== "bind" && type !== "tmpfs") {
      throw invalidFile(file, `${where}.type: wharf compose mounts volume, bind and tmpfs, not ${type}`);
    }
    if (typeof v.target !== "string" || !v.target.startsWith("/")) {
      throw invalidFile(file, `${where}.target must be an absolute path`);
    }
    const src = v.source === undefined || v.source === "" ? undefined : String(v.source);
    if (type === "bind" && !src) throw invalidFile(file, `${where}: bind mount without a source`);
    return {
      type,
      ...(src ? { source: type === "bind" ? hostPath(dir, src) : src } : {}),
      target: v.target,
      ...(v.read_only === true ? { read_only: true } : {}),
    };
  }
  if (typeof v !== "string") throw mustBe(file, where, "string or object");
  const parts = v.split(":");
  if (parts.length === 1) return { type: "volume", target: v };
  const [src = "", target = "", mode = ""] = parts;
  if (parts.length > 3 || !target.startsWith("/"))
    throw invalidFile(file, `${where}: invalid volume specification: ${v}`);
  for (const o of mode.split(",").filter(Boolean)) {
    if (!["ro", "rw", "z", "Z", "cached", "delegated", "consistent", "nocopy"].includes(o)) {
      throw invalidFile(file, `${where}: invalid mode: ${o}`);
    }
  }
  const ro = mode.split(",").includes("ro");
  const isPath = src.startsWith(".") || src.startsWith("/") || src.startsWith("~");
  return {
    type: isPath ? "bind" : "volume",
    source: isPath ? hostPath(dir, src) : src,
    target,
    ...(ro ? { read_only: true } : {}),
  };
}

const DURATION = /^(\d+(\.\d+)?(ns|us|\u00b5s|ms|s|m|h))+$/;
const UNIT: Record<string, number> = { ns: 1, us: 1e3, "\u00b5s": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration (`1m30s`, `500ms`) in nanoseconds. */
export function durationNs(s: string): number {
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)/g))
    total += Number(m[1]) * (UNIT[m[2] as string] ?? 0);
  return Math.round(total);
}

export function healthcheck(file: string, where: string, v: unknown): HealthcheckConfig {
  if (!isMap(v)) throw mustBe(file, where, "object");
  checkKeys(file, where, v, HEALTH_KEYS);
  const out: HealthcheckConfig = {};
  if (v.test !== undefined) {
    out.test = typeof v.test === "string" ? ["CMD-SHELL", v.test] : words(file, `${where}.test`, v.test);
  }
  for (const k of ["interval", "timeout", "start_period", "start_interval"] as const) {
    const d = v[k];
    if (d === undefined) continue;
    if (typeof d !== "string" || !DURATION.test(d))
      throw invalidFile(file, `${where}.${k}: invalid duration ${String(d)}`);
    out[k] = d;
  }
  if (v.retries !== undefined) {
    if (!Number.isInteger(v.retries)) throw mustBe(file, `${where}.retries`, "number");
    out.retries = v.retries as number;
  }
  if (v.disable === true) out.disable = true;
  return out;
}

import { bareError } from "./errors.js";
import type { MountSharing, RunMount, RunNetwork } from "./types.js";

/** One CSV record as Go's encoding/csv reads it: `"a,b"` quotes a comma, `""` inside quotes is `"`. */
export function readCsvRecord(line: string): string[] {
  if (line === "") throw bareError("failed to parse csv mounts: EOF");
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length)
          throw bareError('failed to parse csv mounts: extraneous or missing " in quoted-field');
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ",") {
        throw bareError('failed to parse csv mounts: extraneous or missing " in quoted-field');
      }
    } else {
      while (i < line.length && line[i] !== ",") {
        if (line[i] === '"') throw bareError('failed to parse csv mounts: bare " in non-quoted-field');
        field += line[i++];
      }
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++;
  }
}

function parseBool(key: string, v: string): boolean {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  throw bareError(`invalid value for ${key}: ${v}`);
}

function parseUint(key: string, v: string, base: 8 | 10): number {
  const re = base === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  const n = re.test(v) ? Number.parseInt(v, base) : Number.NaN;
  if (!Number.isSafeInteger(n) || n > 0xffffffff) throw bareError(`invalid value ${v} for ${key}`);
  return n;
}

/** Docker's RAMInBytes: `64m`, `1g`, `512k`, `100` (binary units, an optional `b`/`ib`). */
export function parseSize(v: string): number {
  const m = /^(\d+(?:\.\d+)*) ?([kmgtp])?i?b?$/i.exec(v);
  if (!m) throw bareError(`invalid size: '${v}'`);
  const power = " kmgtp".indexOf((m[2] ?? " ").toLowerCase());
  return Math.floor(Number.parseFloat(m[1] as string) * 1024 ** power);
}

const TYPES = ["bind", "cache", "tmpfs", "secret", "ssh"] as const;
type MountType = (typeof TYPES)[number];
const KEYS = [
  "type",
  "from",
  "source",
  "src",
  "target",
  "dst",
  "destination",
  "readonly",
  "ro",
  "readwrite",
  "rw",
  "required",
  "id",
  "sharing",
  "mode",
  "uid",
  "gid",
  "size",
  "env",
];

/**
 * A `--mount=` value as BuildKit reads it: CSV of `key=value` fields (bare `ro`, `rw`, `required`),
 * `type` bind by default. `expand` is applied to every value except `from`, which takes no variables.
 */
export function parseMount(spec: string, expand: (v: string) => string = (v) => v): RunMount {
  let type: MountType = "bind";
  const f: Partial<Record<string, string>> = {};
  let readonly: boolean | undefined;
  let required = false;
  const nums: { mode?: number; uid?: number; gid?: number } = {};
  for (const field of readCsvRecord(spec)) {
    const eq = field.indexOf("=");
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    if (eq < 0) {
      if (key === "readonly" || key === "ro" || key === "readwrite" || key === "rw") {
        readonly = key === "readonly" || key === "ro";
        continue;
      }
      if (key === "required" && (type === "secret" || type === "ssh")) {
        required = true;
        continue;
      }
      if (key === "required") throw bareError(`unexpected key '${key}' for mount type '${type}'`);
      throw bareError(`invalid field '${field}' must be a key=value pair`);
    }
    const raw = field.slice(eq + 1);
    if (key === "from" && /\$./.test(raw)) {
      throw bareError(
        "'from' doesn't support variable expansion, define alias stage instead",
        "add `FROM $VAR AS alias` and mount from=alias",
      );
    }
    const value = key === "from" ? raw : expand(raw);
    switch (key) {
      case "type": {
        const t = value.toLowerCase();
        if (!(TYPES as readonly string[]).includes(t)) {
          throw bareError(`unsupported mount type "${value}"`, `use one of ${TYPES.join(", ")}`);
        }
        type = t as MountType;
        break;
      }
      case "source":
      case "src":
        f.source = value;
        break;
      case "target":
      case "dst":
      case "destination":
        f.target = value;
        break;
      case "readonly":
      case "ro":
        readonly = parseBool(key, value);
        break;
      case "readwrite":
      case "rw":
        readonly = !parseBool(key, value);
        break;
      case "required":
        if (type !== "secret" && type !== "ssh")
          throw bareError(`unexpected key '${key}' for mount type '${type}'`);
        required = parseBool(key, value);
        break;
      case "sharing":
        if (!["shared", "private", "locked"].includes(value.toLowerCase())) {
          throw bareError(`unsupported sharing value "${value}"`, "use shared, private or locked");
        }
        f.sharing = value.toLowerCase();
        break;
      case "mode":
        nums.mode = parseUint(key, value, 8);
        break;
      case "uid":
      case "gid":
        nums[key] = parseUint(key, value, 10);
        break;
      default:
        if (!KEYS.includes(key)) {
          throw bareError(`unexpected key '${key}' in '${field}'`, `mount keys: ${KEYS.join(", ")}`);
        }
        f[key] = value;
    }
  }
  return finish(type, f, readonly, required, nums);
}

function finish(
  type: MountType,
  f: Partial<Record<string, string>>,
  readonly: boolean | undefined,
  required: boolean,
  nums: { mode?: number; uid?: number; gid?: number },
): RunMount {
  const fileInfo = type === "secret" || type === "ssh" || type === "cache";
  for (const k of ["mode", "uid", "gid"] as const) {
    if (nums[k] !== undefined && !fileInfo) throw bareError(`${k} not allowed for "${type}" type mounts`);
  }
  if (f.sharing !== undefined && type !== "cache")
    throw bareError(`invalid cache sharing set for ${type} mount`);
  if (f.size !== undefined && type !== "tmpfs") throw bareError(`size not allowed for "${type}" type mounts`);
  if (f.env !== undefined && type !== "secret") throw bareError(`env not allowed for "${type}" type mounts`);
  const target = f.target;
  const needTarget = (): string => {
    if (!target) throw bareError(`mount type=${type} requires a target`, `add target=/path to the --mount`);
    return target;
  };
  const opt = <K extends string, V>(k: K, v: V | undefined) => (v === undefined ? {} : { [k]: v });
  switch (type) {
    case "bind":
      return {
        type,
        target: needTarget(),
        ...opt("source", f.source),
        ...opt("from", f.from),
        readonly: readonly ?? true,
      };
    case "cache":
      return {
        type,
        target: needTarget(),
        ...opt("id", f.id),
        sharing: (f.sharing ?? "shared") as MountSharing,
        ...opt("from", f.from),
        ...opt("source", f.source),
        readonly: readonly ?? false,
        ...nums,
      };
    case "tmpfs":
      return {
        type,
        target: needTarget(),
        ...opt("size", f.size === undefined ? undefined : parseSize(f.size)),
      };
    case "secret": {
      if (f.from !== undefined) throw bareError("secret mount should not have a from");
      if (f.source !== undefined && f.id !== undefined) throw bareError("both source and id can't be set");
      const id = f.id ?? f.source ?? (target ? target.replace(/\/+$/, "").split("/").pop() : undefined);
      if (!id)
        throw bareError("invalid secret mount. one of source, target required", "add id=NAME to the --mount");
      const dest = target ?? (f.env === undefined ? `/run/secrets/${id}` : undefined);
      return { type, id, ...opt("target", dest), ...opt("env", f.env), required, ...nums };
    }
    case "ssh":
      return { type, id: f.id ?? "default", ...opt("target", target), required, ...nums };
  }
}

/**
 * A `--mount=` value holding variables is parsed once expanded, at build time (as BuildKit defers it);
 * until then only its form is checked: CSV, known keys, no variable in `from`.
 */
export function checkDeferredMount(spec: string): void {
  for (const field of readCsvRecord(spec)) {
    const eq = field.indexOf("=");
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    if (!KEYS.includes(key))
      throw bareError(`unexpected key '${key}' in '${field}'`, `mount keys: ${KEYS.join(", ")}`);
    if (key === "from" && /\$./.test(field.slice(eq + 1))) {
      throw bareError(
        "'from' doesn't support variable expansion, define alias stage instead",
        "add `FROM $VAR AS alias` and mount from=alias",
      );
    }
  }
}

/** `RUN --network=`: default, none or host. */
export function parseNetwork(v: string): RunNetwork {
  if (v === "default" || v === "none" || v === "host") return v;
  throw bareError(`unsupported network mode "${v}"`, "use --network=default, none or host");
}

/** `RUN --security=`: insecure (privileged, an entitlement) or sandbox (the default). */
export function parseSecurity(v: string): "insecure" | "sandbox" {
  if (v === "insecure" || v === "sandbox") return v;
  throw bareError(`unsupported security mode "${v}"`, "use --security=insecure or sandbox");
}

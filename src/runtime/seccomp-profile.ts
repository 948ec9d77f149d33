/**
 * A seccomp profile in Docker's format (`--security-opt seccomp=FILE`, daemon.json's
 * `seccomp-profile`) into the OCI runtime spec's `linux.seccomp`, as dockerd converts it when a
 * container starts: `archMap` keeps this machine's architecture and its sub-architectures, a rule's
 * `includes`/`excludes` are weighed against the container's capabilities (its bounding set, after
 * `--cap-add`/`--cap-drop`), the host's architecture and kernel, and the rules that do not apply
 * are dropped. Only a container whose options carry a profile loads this code's work.
 */
import { release } from "node:os";
import { WharfError } from "../errors/index.js";
import type { SeccompArg, SeccompProfile, SeccompRule, Uint64 } from "./seccomp.js";

/** The host a profile is converted for (tests give others). */
export interface SeccompHost {
  /** Node's `process.arch` (`x64`, `arm64`, ...). */
  arch: string;
  /** The kernel's release (`uname -r`), read only for a rule with `minKernel`. */
  kernel: () => string;
}

const THIS_HOST: SeccompHost = { arch: process.arch, kernel: release };

/** Node's architecture names as Go's `GOARCH`, which a profile's `includes.arches` uses. */
const GOARCH: Record<string, string> = {
  x64: "amd64",
  ia32: "386",
  arm64: "arm64",
  arm: "arm",
  ppc64: "ppc64le",
  s390x: "s390x",
  riscv64: "riscv64",
  loong64: "loong64",
  mips64el: "mips64le",
  mipsel: "mipsle",
};

/** libseccomp's name of each native architecture, which a profile's `archMap` uses. */
const NATIVE: Record<string, string> = {
  amd64: "SCMP_ARCH_X86_64",
  "386": "SCMP_ARCH_X86",
  arm64: "SCMP_ARCH_AARCH64",
  arm: "SCMP_ARCH_ARM",
  ppc64le: "SCMP_ARCH_PPC64LE",
  s390x: "SCMP_ARCH_S390X",
  riscv64: "SCMP_ARCH_RISCV64",
  loong64: "SCMP_ARCH_LOONGARCH64",
  mips64le: "SCMP_ARCH_MIPSEL64",
  mipsle: "SCMP_ARCH_MIPSEL",
};

const ACTIONS = new Set([
  "SCMP_ACT_KILL",
  "SCMP_ACT_KILL_PROCESS",
  "SCMP_ACT_KILL_THREAD",
  "SCMP_ACT_TRAP",
  "SCMP_ACT_ERRNO",
  "SCMP_ACT_TRACE",
  "SCMP_ACT_ALLOW",
  "SCMP_ACT_LOG",
  "SCMP_ACT_NOTIFY",
]);

const OPS = new Set([
  "SCMP_CMP_NE",
  "SCMP_CMP_LT",
  "SCMP_CMP_LE",
  "SCMP_CMP_EQ",
  "SCMP_CMP_GE",
  "SCMP_CMP_GT",
  "SCMP_CMP_MASKED_EQ",
]);

type Json = Record<string, unknown>;

/**
 * A number kept as written because it is no integer to Go's decoder: a fraction or an exponent
 * (`1.0`, `1e3`), or `-0`. None of them decodes into an unsigned integer.
 */
class Literal {
  constructor(readonly literal: string) {}
}

/** Docker's words for a profile it cannot read (`decoding seccomp profile failed: ...`). */
function bad(detail: string): WharfError {
  return new WharfError("invalid-argument", `decoding seccomp profile failed: ${detail}`);
}

function objectAt(v: unknown, where: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v) || v instanceof Literal)
    throw bad(`${where} must be an object`);
  return v as Json;
}

function stringAt(o: Json, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw bad(`${where}${key} must be a string`);
  return v;
}

function stringsAt(o: Json, key: string, where: string): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string"))
    throw bad(`${where}${key} must be a list of strings`);
  return v as string[];
}

const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * JSON text that JSON.parse has accepted, read as JSON.parse reads it but for its numbers, which are
 * kept exact as Go's decoder reads them: an integer literal is a number where a double holds it
 * exactly (below 2^53 in size) and a bigint otherwise; the others a `Literal`.
 */
function readExact(text: string): unknown {
  let i = 0;
  /** `v`, once past its `n` characters. */
  const past = <T>(n: number, v: T): T => {
    i += n;
    return v;
  };
  const space = () => {
    for (let c = text.charCodeAt(i); c === 32 || c === 10 || c === 13 || c === 9; c = text.charCodeAt(++i));
  };
  const string = (): string => {
    const start = i;
    let escaped = false;
    for (i++; text[i] !== '"'; i++) {
      if (text[i] === "\\") {
        escaped = true;
        i++;
      }
    }
    i++;
    return escaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1);
  };
  const value = (): unknown => {
    space();
    const c = text[i];
    if (c === "{") {
      i++;
      const o: Json = {};
      space();
      if (text[i] === "}") return past(1, o);
      for (;;) {
        space();
        const key = string();
        space();
        i++; // the colon
        const v = value();
        // As JSON.parse: "__proto__" is a key like any other, not the object's prototype.
        if (key === "__proto__")
          Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
        else o[key] = v;
        space();
        if (text[i++] === "}") return o;
      }
    }
    if (c === "[") {
      i++;
      const a: unknown[] = [];
      space();
      if (text[i] === "]") return past(1, a);
      for (;;) {
        a.push(value());
        space();
        if (text[i++] === "]") return a;
      }
    }
    if (c === '"') return string();
    if (c === "t") return past(4, true);
    if (c === "f") return past(5, false);
    if (c === "n") return past(4, null);
    NUMBER.lastIndex = i;
    const literal = NUMBER.exec(text)?.[0] ?? "";
    i += literal.length;
    if (/[.eE]/.test(literal) || literal === "-0") return new Literal(literal);
    const n = Number(literal);
    return Number.isSafeInteger(n) ? n : BigInt(literal);
  };
  return value();
}

const UINT64_MAX = 2n ** 64n - 1n;

/** How a value of the profile reads in an error: a number as written, anything else as JSON. */
function shown(v: unknown): string {
  if (v instanceof Literal) return v.literal;
  if (typeof v === "bigint") return String(v);
  return JSON.stringify(v) ?? String(v);
}

/**
 * An unsigned 64-bit integer (Go's `uint64`, and `uint` on 64-bit machines, into which dockerd
 * decodes `value`, `valueTwo`, `index` and the errnos): 0 to 2^64-1, exactly. A negative number, one
 * above 2^64-1, a fraction or an exponent, or another type is refused, as Go's decoder refuses it.
 */
function uintAt(o: Json, key: string, where: string): Uint64 | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  const ok = (typeof v === "number" && v >= 0) || (typeof v === "bigint" && v >= 0n && v <= UINT64_MAX);
  if (!ok) {
    throw bad(`${where}${key} must be an integer from 0 to 18446744073709551615 (uint64), not ${shown(v)}`);
  }
  return v as Uint64;
}

function actionAt(o: Json, key: string, where: string): string {
  const a = stringAt(o, key, where);
  if (a === undefined || a === "") throw bad(`${where}${key} is missing`);
  if (!ACTIONS.has(a)) throw bad(`${where}${key}: unknown action ${a}`);
  return a;
}

/** `major.minor` of a kernel release (`6.1.0-18-amd64` -> [6, 1]). */
function kernelVersion(text: string, what: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(text.trim());
  if (!m) throw bad(`invalid kernel version ${JSON.stringify(text)} (${what})`);
  return [Number(m[1]), Number(m[2])];
}

/** Whether `uname -r` is `min` (`major.minor`) or later. */
function kernelAtLeast(host: SeccompHost, min: string): boolean {
  const want = kernelVersion(min, "minKernel");
  const have = kernelVersion(host.kernel(), "uname -r");
  return have[0] !== want[0] ? have[0] > want[0] : have[1] >= want[1];
}

/**
 * Checks a profile's JSON text as dockerd decodes it and returns it parsed: a wrong type, an
 * unknown action or comparison, `name` with `names`, `architectures` with `archMap` are errors.
 */
export function parseSeccompProfile(text: string): Json {
  try {
    JSON.parse(text);
  } catch (e) {
    throw bad((e as Error).message);
  }
  const doc = readExact(text);
  const p = objectAt(doc, "the profile");
  actionAt(p, "defaultAction", "");
  uintAt(p, "defaultErrnoRet", "");
  const architectures = stringsAt(p, "architectures", "");
  const archMap = p.archMap ?? [];
  if (!Array.isArray(archMap)) throw bad("archMap must be a list");
  if (architectures.length > 0 && archMap.length > 0) {
    throw bad(
      "both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'",
    );
  }
  archMap.forEach((a, i) => {
    const where = `archMap[${i}].`;
    stringAt(objectAt(a, `archMap[${i}]`), "architecture", where);
    stringsAt(a as Json, "subArchitectures", where);
  });
  stringsAt(p, "flags", "");
  stringAt(p, "listenerPath", "");
  stringAt(p, "listenerMetadata", "");
  const syscalls = p.syscalls ?? [];
  if (!Array.isArray(syscalls)) throw bad("syscalls must be a list");
  syscalls.forEach((c, i) => {
    const where = `syscalls[${i}].`;
    const call = objectAt(c, `syscalls[${i}]`);
    const name = stringAt(call, "name", where);
    const names = stringsAt(call, "names", where);
    if (name !== undefined && name !== "" && names.length > 0) throw bad("use either 'name' or 'names'");
    actionAt(call, "action", where);
    uintAt(call, "errnoRet", where);
    const args = call.args ?? [];
    if (!Array.isArray(args)) throw bad(`${where}args must be a list`);
    args.forEach((a, j) => {
      const at = `${where}args[${j}].`;
      const arg = objectAt(a, `${where}args[${j}]`);
      uintAt(arg, "index", at);
      uintAt(arg, "value", at);
      uintAt(arg, "valueTwo", at);
      const op = stringAt(arg, "op", at);
      if (op === undefined || !OPS.has(op)) throw bad(`${at}op: unknown comparison ${op ?? "(none)"}`);
    });
    for (const key of ["includes", "excludes"]) {
      if (call[key] === undefined || call[key] === null) continue;
      const f = objectAt(call[key], `${where}${key}`);
      stringsAt(f, "caps", `${where}${key}.`);
      stringsAt(f, "arches", `${where}${key}.`);
      const min = stringAt(f, "minKernel", `${where}${key}.`);
      if (min !== undefined && min !== "") kernelVersion(min, `${where}${key}.minKernel`);
    }
  });
  return p;
}

/**
 * The OCI `linux.seccomp` of a Docker-format profile (its JSON text) for a container whose
 * bounding set is `caps`, on `host` (this machine unless given).
 */
export function seccompFromProfile(
  text: string,
  caps: readonly string[],
  host: SeccompHost = THIS_HOST,
): SeccompProfile {
  const p = parseSeccompProfile(text);
  const arch = GOARCH[host.arch] ?? host.arch;
  const native = NATIVE[arch];
  const out: SeccompProfile = { defaultAction: p.defaultAction as string, syscalls: [] };
  const defaultErrno = p.defaultErrnoRet as Uint64 | null | undefined;
  if (defaultErrno !== undefined && defaultErrno !== null) out.defaultErrnoRet = defaultErrno;
  const architectures = [...((p.architectures as string[] | undefined) ?? [])];
  for (const a of (p.archMap as Json[] | undefined) ?? []) {
    if (a.architecture === native) {
      architectures.push(a.architecture as string, ...((a.subArchitectures as string[] | undefined) ?? []));
    }
  }
  if (architectures.length > 0) out.architectures = architectures;
  if (Array.isArray(p.flags) && p.flags.length > 0) out.flags = p.flags as string[];
  if (typeof p.listenerPath === "string" && p.listenerPath !== "") out.listenerPath = p.listenerPath;
  if (typeof p.listenerMetadata === "string" && p.listenerMetadata !== "")
    out.listenerMetadata = p.listenerMetadata;
  const has = (c: string) => caps.includes(c);
  for (const c of (p.syscalls as Json[] | undefined) ?? []) {
    const inc = (c.includes ?? {}) as { caps?: string[]; arches?: string[]; minKernel?: string };
    const exc = (c.excludes ?? {}) as { caps?: string[]; arches?: string[]; minKernel?: string };
    // dockerd's order: an excluding arch, cap or kernel drops the rule; then each include must hold.
    if (exc.arches?.includes(arch)) continue;
    if (exc.caps?.some(has)) continue;
    if (exc.minKernel && kernelAtLeast(host, exc.minKernel)) continue;
    if (inc.arches && inc.arches.length > 0 && !inc.arches.includes(arch)) continue;
    if (inc.caps && !inc.caps.every(has)) continue;
    if (inc.minKernel && !kernelAtLeast(host, inc.minKernel)) continue;
    const names = typeof c.name === "string" && c.name !== "" ? [c.name] : ((c.names as string[]) ?? []);
    const rule: SeccompRule = { names, action: c.action as string };
    const errno = c.errnoRet as Uint64 | null | undefined;
    if (errno !== undefined && errno !== null) rule.errnoRet = errno;
    const args = (c.args as Json[] | null | undefined) ?? [];
    if (args.length > 0) {
      // Each number as parseSeccompProfile read it: exact, a bigint from 2^53 on (specJson).
      rule.args = args.map((a): SeccompArg => {
        const valueTwo = a.valueTwo as Uint64 | null | undefined;
        return {
          index: (a.index as Uint64 | null | undefined) ?? 0,
          value: (a.value as Uint64 | null | undefined) ?? 0,
          ...(valueTwo !== undefined && valueTwo !== null ? { valueTwo } : {}),
          op: a.op as string,
        };
      });
    }
    out.syscalls.push(rule);
  }
  return out;
}

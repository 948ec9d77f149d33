/**
 * A service's `build:` keys beyond `context`, `dockerfile`, `args` and `target`, in Compose's
 * normal form: what `wharf build` takes as flags (`--label`, `--cache-from`, `--network`, ...).
 */
import { resolve } from "node:path";
import { keyMap } from "./parts.js";
import { bytesOf } from "./run-keys.js";
import { checkKeys, invalidFile, isMap, mustBe } from "./schema.js";
import type { BuildConfig } from "./types.js";

function str(file: string, where: string, v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  throw mustBe(file, where, "string");
}

function strings(file: string, where: string, v: unknown): string[] {
  if (!Array.isArray(v)) throw mustBe(file, where, "array");
  return v.map((x, i) => str(file, `${where}.${i}`, x));
}

function bool(file: string, where: string, v: unknown): boolean {
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "false") return v === "true";
  throw mustBe(file, where, "boolean");
}

function stringMap(file: string, where: string, v: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(keyMap(file, where, v)).map(([k, x]) => [k, x ?? ""]));
}

/** Reads the extra build keys of `v` into `b` (relative context directories made absolute against `dir`). */
export function buildExtras(
  file: string,
  where: string,
  v: Record<string, unknown>,
  b: BuildConfig,
  dir: string,
): void {
  const has = (k: string) => v[k] !== undefined && v[k] !== null;
  if (has("labels")) b.labels = stringMap(file, `${where}.labels`, v.labels);
  for (const k of ["cache_from", "cache_to", "platforms", "tags", "secrets"] as const)
    if (has(k)) b[k] = strings(file, `${where}.${k}`, v[k]);
  if (has("secrets")) {
    // The long syntax names the secret as `source` (the build's id).
    b.secrets = (v.secrets as unknown[]).map((x, i) => {
      if (!isMap(x)) return str(file, `${where}.secrets.${i}`, x);
      checkKeys(file, `${where}.secrets.${i}`, x, new Set(["source", "target", "uid", "gid", "mode"]));
      return str(file, `${where}.secrets.${i}.source`, x.source);
    });
  }
  if (has("ssh")) {
    const s = v.ssh;
    b.ssh = isMap(s)
      ? Object.entries(s).map(([k, x]) => (x === null || x === "" ? k : `${k}=${String(x)}`))
      : strings(file, `${where}.ssh`, s);
  }
  if (has("network")) b.network = str(file, `${where}.network`, v.network);
  if (has("shm_size")) b.shm_size = bytesOf(file, `${where}.shm_size`, v.shm_size);
  if (has("extra_hosts")) {
    const h = v.extra_hosts;
    b.extra_hosts = isMap(h)
      ? Object.entries(h).map(([k, x]) => `${k}:${String(x)}`)
      : strings(file, `${where}.extra_hosts`, h).map((e) => e.replace("=", ":"));
  }
  for (const k of ["no_cache", "pull"] as const) if (has(k)) b[k] = bool(file, `${where}.${k}`, v[k]);
  if (has("additional_contexts")) {
    const m = stringMap(file, `${where}.additional_contexts`, v.additional_contexts);
    b.additional_contexts = Object.fromEntries(
      Object.entries(m).map(([k, x]) => [
        k,
        /^[a-z-]+:\/\//.test(x) || x.startsWith("target:") ? x : resolve(dir, x),
      ]),
    );
  }
  if (has("dockerfile_inline")) {
    if (has("dockerfile"))
      throw invalidFile(file, `${where}: dockerfile and dockerfile_inline are mutually exclusive`);
    b.dockerfile_inline = str(file, `${where}.dockerfile_inline`, v.dockerfile_inline);
  }
  if (has("ulimits")) {
    const u = v.ulimits;
    if (!isMap(u)) throw mustBe(file, `${where}.ulimits`, "object");
    const out: NonNullable<BuildConfig["ulimits"]> = {};
    for (const [n, x] of Object.entries(u)) {
      if (isMap(x)) {
        checkKeys(file, `${where}.ulimits.${n}`, x, new Set(["soft", "hard"]));
        out[n] = { soft: Number(x.soft), hard: Number(x.hard) };
      } else out[n] = Number(x);
      const val = out[n];
      const nums = typeof val === "number" ? [val] : [val?.soft, val?.hard];
      if (nums.some((z) => !Number.isInteger(z))) throw mustBe(file, `${where}.ulimits.${n}`, "integer");
    }
    b.ulimits = out;
  }
}

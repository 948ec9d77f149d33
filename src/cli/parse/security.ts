/**
 * `--cap-add`, `--cap-drop` and `--security-opt` values as Docker's CLI reads them, into the
 * runtime's run options (which combine them: runtime/caps.ts, runtime/security.ts).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { WharfError } from "../../errors/index.js";
import { ALL_CAPABILITIES, parseSeccompProfile, type RunOptions } from "../../runtime/index.js";

const KNOWN = new Set<string>(ALL_CAPABILITIES);

/**
 * `--cap-add`/`--cap-drop` values as Docker takes them: with or without `CAP_`, any case, or
 * `ALL`. Returns `CAP_…` names (and `ALL`); an unknown name is an error.
 */
export function normalizeCaps(values: readonly string[], flag: "CapAdd" | "CapDrop"): string[] {
  return values.map((v) => {
    const up = v.trim().toUpperCase();
    if (up === "ALL") return "ALL";
    const name = up.startsWith("CAP_") ? up : `CAP_${up}`;
    if (!KNOWN.has(name))
      throw new WharfError("invalid-argument", `invalid ${flag}: unknown capability: "${name}"`);
    return name;
  });
}

/**
 * `--security-opt` values Docker takes that wharf can honour: `seccomp=unconfined`,
 * `seccomp=builtin`, `seccomp=FILE` (a profile in Docker's format, read now: its JSON is kept with
 * the container, as Docker's CLI sends it), `no-new-privileges[=true|false]`, and (wharf applies
 * neither) `apparmor=unconfined` and `label=disable`. `:` may stand for `=`, as Docker still
 * accepts. A relative FILE is taken from `dir` (Compose: the project directory), else the current
 * directory.
 */
export function parseSecurityOpts(
  values: readonly string[],
  dir?: string,
): Pick<RunOptions, "seccomp" | "seccompProfile" | "noNewPrivileges"> {
  const out: Pick<RunOptions, "seccomp" | "seccompProfile" | "noNewPrivileges"> = {};
  for (const raw of values) {
    const v = raw.trim();
    const i = v.search(/[=:]/);
    const key = i < 0 ? v : v.slice(0, i);
    const value = i < 0 ? undefined : v.slice(i + 1);
    if (key === "no-new-privileges" && (value === undefined || value === "true" || value === "false")) {
      out.noNewPrivileges = value !== "false";
    } else if (key === "seccomp" && (value === "unconfined" || value === "builtin")) {
      out.seccomp = value;
      delete out.seccompProfile;
    } else if (key === "seccomp" && value !== undefined && value !== "") {
      out.seccompProfile = readSeccompProfile(value, dir);
      delete out.seccomp;
    } else if ((key === "apparmor" && value === "unconfined") || (key === "label" && value === "disable")) {
      // Nothing to undo: wharf applies neither AppArmor nor SELinux labels.
    } else {
      throw new WharfError("invalid-argument", `Invalid --security-opt: "${raw}"`);
    }
  }
  return out;
}

/** Go's words for a failed open or read (`open /x.json: no such file or directory`). */
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOTDIR: "not a directory",
  ELOOP: "too many levels of symbolic links",
  EISDIR: "is a directory",
};

/**
 * A seccomp profile file's JSON, compacted (whitespace outside strings removed, as Docker's CLI
 * does with Go's json.Compact), with Docker's error words for a file it cannot open or a text that
 * is not JSON, and dockerd's for a profile it cannot decode. Also daemon.json's `seccomp-profile`.
 */
export function readSeccompProfile(path: string, dir?: string): string {
  let text: string;
  try {
    text = readFileSync(resolve(dir ?? ".", path), "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    const op = code === "EISDIR" ? "read" : "open";
    throw new WharfError(
      "invalid-argument",
      `opening seccomp profile (${path}) failed: ${op} ${path}: ${ERRNO_TEXT[code] ?? (e as Error).message}`,
    );
  }
  try {
    JSON.parse(text);
  } catch (e) {
    throw new WharfError(
      "invalid-argument",
      `compacting json for seccomp profile (${path}) failed: ${(e as Error).message}`,
    );
  }
  const compact = compactJson(text);
  parseSeccompProfile(compact);
  return compact;
}

/** JSON text without the whitespace between its tokens (the text must be valid JSON). */
export function compactJson(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      out += c;
      if (c === "\\") out += text[++i] ?? "";
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c !== " " && c !== "\t" && c !== "\n" && c !== "\r") {
      out += c;
    }
  }
  return out;
}

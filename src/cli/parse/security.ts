/**
 * `--cap-add`, `--cap-drop` and `--security-opt` values as Docker's CLI reads them, into the
 * runtime's run options (which combine them: runtime/caps.ts, runtime/security.ts).
 */
import { WharfError } from "../../errors/index.js";
import { ALL_CAPABILITIES, type RunOptions } from "../../runtime/index.js";

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
 * `no-new-privileges[=true|false]`, and (wharf applies neither) `apparmor=unconfined` and
 * `label=disable`. `:` may stand for `=`, as Docker still accepts.
 */
export function parseSecurityOpts(
  values: readonly string[],
): Pick<RunOptions, "seccomp" | "noNewPrivileges"> {
  const out: Pick<RunOptions, "seccomp" | "noNewPrivileges"> = {};
  for (const raw of values) {
    const v = raw.trim();
    const i = v.search(/[=:]/);
    const key = i < 0 ? v : v.slice(0, i);
    const value = i < 0 ? undefined : v.slice(i + 1);
    if (key === "no-new-privileges" && (value === undefined || value === "true" || value === "false")) {
      out.noNewPrivileges = value !== "false";
    } else if (key === "seccomp" && value === "unconfined") {
      out.seccomp = "unconfined";
    } else if (key === "seccomp" && value !== undefined && value !== "") {
      throw new WharfError(
        "unsupported",
        `--security-opt seccomp=${value}: wharf takes no seccomp profile file`,
        {
          hint: "use seccomp=unconfined to run without the default filter",
        },
      );
    } else if ((key === "apparmor" && value === "unconfined") || (key === "label" && value === "disable")) {
      // Nothing to undo: wharf applies neither AppArmor nor SELinux labels.
    } else {
      throw new WharfError("invalid-argument", `Invalid --security-opt: "${raw}"`);
    }
  }
  return out;
}

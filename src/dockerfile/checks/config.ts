import { WharfError } from "../../errors/index.js";
import { RULES } from "./types.js";

/** What `# check=` / `BUILDKIT_DOCKERFILE_CHECK` asks for. */
export interface CheckConfig {
  /** Every rule skipped (`skip=all`). */
  skipAll: boolean;
  /** Rule names skipped (`skip=A,B`). */
  skip: Set<string>;
  /** `error=true`: a finding fails the build. */
  error: boolean;
}

export const defaultCheckConfig = (): CheckConfig => ({ skipAll: false, skip: new Set(), error: false });

const invalid = (msg: string) =>
  new WharfError("dockerfile-invalid", msg, {
    hint: "write the check directive as `# check=skip=Rule1,Rule2;error=true` (or skip=all)",
  });

/**
 * BuildKit's check value (`skip=JSONArgsRecommended,StageNameCasing;error=true`): `;`-separated
 * `key=value` pairs, keys `skip` (comma list or `all`) and `error` (a boolean); blanks around parts allowed.
 */
export function parseCheckConfig(value: string): CheckConfig {
  const cfg = defaultCheckConfig();
  for (const part of value.split(";")) {
    const p = part.trim();
    if (p === "") continue;
    const eq = p.indexOf("=");
    if (eq < 0) throw invalid(`invalid check directive: ${p}`);
    const key = p.slice(0, eq).trim().toLowerCase();
    const v = p.slice(eq + 1).trim();
    if (key === "skip") {
      for (const name of v.split(",").map((s) => s.trim())) {
        if (name === "") continue;
        if (name.toLowerCase() === "all") cfg.skipAll = true;
        else cfg.skip.add(name);
      }
    } else if (key === "error") {
      const b = v.toLowerCase();
      if (!["true", "false", "1", "0", "t", "f"].includes(b)) {
        throw invalid(`failed to parse check options: invalid boolean value ${v}`);
      }
      cfg.error = b === "true" || b === "1" || b === "t";
    } else {
      throw invalid(`invalid check option: ${key}`);
    }
  }
  return cfg;
}

/** The directive's config, overridden by the `BUILDKIT_DOCKERFILE_CHECK` build arg when given. */
export function checkConfigOf(directives: Record<string, string>, buildArg?: string): CheckConfig {
  if (buildArg !== undefined) return parseCheckConfig(buildArg);
  const d = directives.check;
  return d === undefined ? defaultCheckConfig() : parseCheckConfig(d);
}

/** Whether `rule` runs under `cfg`. */
export const ruleEnabled = (cfg: CheckConfig, rule: string): boolean =>
  !cfg.skipAll && !cfg.skip.has(rule) && rule in RULES;

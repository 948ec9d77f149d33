import type { Dockerfile, FromInstruction } from "../types.js";
import { type Finding, finding } from "./types.js";

/** FROM's words as written: the keyword, the `AS` keyword and the stage name with their casing. */
export function fromWords(from: FromInstruction): { keyword: string; as?: string; name?: string } {
  const w = from.original.split(/\s+/).filter((s) => s !== "");
  const keyword = w[0] ?? "FROM";
  const rest = w.slice(1).filter((s) => !s.startsWith("--"));
  const as = rest[1];
  const name = rest[2];
  if (as === undefined || as.toLowerCase() !== "as" || name === undefined) return { keyword };
  return { keyword, as, name };
}

const isUpper = (s: string) => s === s.toUpperCase();
const isLower = (s: string) => s === s.toLowerCase();
const RESERVED = ["context", "scratch"];

/** StageNameCasing, FromAsCasing, DuplicateStageName, ReservedStageName, RedundantTargetPlatform, FromPlatformFlagConstDisallowed. */
export function fromRules(df: Dockerfile): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const stage of df.stages) {
    const from = stage.from;
    const line = from.location.startLine;
    const end = from.location.endLine;
    const w = fromWords(from);
    if (w.name !== undefined && w.as !== undefined) {
      if (!isLower(w.name)) {
        out.push(finding("StageNameCasing", `Stage name '${w.name}' should be lowercase`, line, end));
      }
      const mismatch = isUpper(w.keyword) ? !isUpper(w.as) : !isLower(w.as);
      if (mismatch) {
        out.push(
          finding("FromAsCasing", `'${w.as}' and '${w.keyword}' keywords' casing do not match`, line, end),
        );
      }
      const lower = w.name.toLowerCase();
      if (seen.has(lower)) {
        const msg = `Duplicate stage name ${JSON.stringify(lower)}, stage names should be unique`;
        out.push(finding("DuplicateStageName", msg, line, end));
      }
      seen.add(lower);
      if (RESERVED.includes(lower)) {
        out.push(
          finding(
            "ReservedStageName",
            `Stage name should not use the same name as reserved stage "${w.name.toLowerCase()}"`,
            line,
            end,
          ),
        );
      }
    }
    const p = from.platform;
    if (p === undefined) continue;
    if (/^\$(?:TARGETPLATFORM|\{TARGETPLATFORM\})$/.test(p)) {
      out.push(
        finding(
          "RedundantTargetPlatform",
          `Setting platform to predefined ${p} in FROM is redundant as this is the default behavior`,
          line,
          end,
        ),
      );
    } else if (!p.includes("$") && !nameNamesPlatform(stage.name, p)) {
      out.push(
        finding(
          "FromPlatformFlagConstDisallowed",
          `FROM --platform flag should not use constant value "${p}"`,
          line,
          end,
        ),
      );
    }
  }
  return out;
}

/** BuildKit lets a constant platform pass when the stage's name holds its OS or architecture (`AS build-arm64`). */
function nameNamesPlatform(name: string | undefined, platform: string): boolean {
  if (name === undefined) return false;
  const [os, arch] = platform.toLowerCase().split("/");
  return (
    (arch !== undefined && arch !== "" && name.includes(arch)) ||
    (os !== undefined && os !== "" && name.includes(os))
  );
}

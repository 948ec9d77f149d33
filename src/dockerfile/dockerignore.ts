import { posix } from "node:path";
import { bareError } from "./errors.js";

/**
 * `.dockerignore` as Docker reads it (moby/patternmatcher and its ignorefile reader): one pattern a
 * line, `#` comments in column 1, blank lines skipped, `!` exceptions, paths cleaned and a leading `/`
 * dropped; matching as patternmatcher's MatchesOrParentMatches: the last pattern that matches the path
 * or one of its parent directories decides. Works on path strings only.
 */

/** Go's path.Clean. */
export function cleanPath(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  if (rooted) return `/${joined}`;
  return joined === "" ? "." : joined;
}

/** The patterns of a `.dockerignore` file, as moby's ignorefile.ReadAll returns them. */
export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  text.split("\n").forEach((line, i) => {
    let pattern = i === 0 ? line.replace(/^\uFEFF/, "") : line;
    if (pattern.startsWith("#")) return;
    pattern = pattern.trim();
    if (pattern === "") return;
    const invert = pattern.startsWith("!");
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
    }
    patterns.push(invert ? `!${pattern}` : pattern);
  });
  return patterns;
}

type Kind = "exact" | "prefix" | "suffix" | "regexp";

interface Pattern {
  text: string;
  exclusion: boolean;
  kind: Kind;
  regexp: RegExp | undefined;
}

const ESCAPE = new Set([".", "+", "(", ")", "|", "{", "}", "$"]);

/** patternmatcher's compile: `**` any number of directories, `*` and `?` within one, `[...]` classes. */
function compile(text: string, exclusion: boolean): Pattern {
  const chars = Array.from(text);
  let re = "^";
  let kind: Kind = "exact";
  for (let i = 0, n = 0; i < chars.length; i++, n++) {
    const ch = chars[i] as string;
    if (ch === "*") {
      if (chars[i + 1] === "*") {
        i++;
        if (chars[i + 1] === "/") i++;
        if (i + 1 >= chars.length) {
          if (kind === "exact") kind = "prefix";
          else {
            re += ".*";
            kind = "regexp";
          }
        } else {
          re += "(.*/)?";
          kind = "regexp";
        }
        if (n === 0) kind = "suffix";
      } else {
        re += "[^/]*";
        kind = "regexp";
      }
    } else if (ch === "?") {
      re += "[^/]";
      kind = "regexp";
    } else if (ESCAPE.has(ch)) {
      re += `\\${ch}`;
    } else if (ch === "\\") {
      const next = chars[i + 1];
      if (next !== undefined) {
        re += `\\${next}`;
        i++;
        kind = "regexp";
      } else re += "\\\\";
    } else if (ch === "[" || ch === "]") {
      re += ch;
      kind = "regexp";
    } else re += ch;
  }
  let regexp: RegExp | undefined;
  if (kind === "regexp") {
    try {
      regexp = new RegExp(`${re}$`);
    } catch {
      throw bareError(
        `.dockerignore: syntax error in pattern: ${text}`,
        "check the [...] classes and \\ escapes",
      );
    }
  }
  return { text, exclusion, kind, regexp };
}

function matchOne(p: Pattern, path: string): boolean {
  switch (p.kind) {
    case "exact":
      return path === p.text;
    case "prefix":
      return path.startsWith(p.text.slice(0, -2));
    case "suffix": {
      const suffix = p.text.slice(2);
      return path.endsWith(suffix) || (suffix.startsWith("/") && path === suffix.slice(1));
    }
    default:
      return p.regexp?.test(path) === true;
  }
}

/** Go's filepath.Match validity: `[` closed, ranges complete, no trailing `\`. */
function checkSyntax(text: string): void {
  const bad = (): never => {
    throw bareError(
      `.dockerignore: syntax error in pattern: ${text}`,
      "check the [...] classes and \\ escapes",
    );
  };
  const chars = Array.from(text);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (ch === "\\") {
      if (++i >= chars.length) bad();
    } else if (ch === "[") {
      i++;
      if (chars[i] === "^") i++;
      let ranges = 0;
      for (;;) {
        if (i >= chars.length) bad();
        if (chars[i] === "]" && ranges > 0) break;
        const esc = (): void => {
          if (chars[i] === "\\") i++;
          if (i >= chars.length || chars[i] === "-" || chars[i] === "]") bad();
          i++;
        };
        esc();
        if (chars[i] === "-") {
          i++;
          esc();
        }
        ranges++;
      }
    }
  }
}

export interface DockerignoreMatcher {
  /** Whether a context path (relative, `/`-separated) is excluded from the build context. */
  matches(relPath: string): boolean;
  /**
   * Whether an excluded directory may hold a path that an exception (`!pattern`) brings back, so
   * that a walker must still descend into it; false means the whole directory can be skipped.
   */
  mayContainExceptions(dirRelPath: string): boolean;
  patterns: readonly string[];
}

const normalize = (p: string): string => cleanPath(p.replace(/^\/+/, ""));
const WILDCARD = /[*?[\\]/;

export function createDockerignoreMatcher(patterns: readonly string[]): DockerignoreMatcher {
  const compiled: Pattern[] = [];
  for (const raw of patterns) {
    let text = raw.trim();
    if (text === "") continue;
    text = cleanPath(text);
    const exclusion = text.startsWith("!");
    if (exclusion) {
      if (text.length === 1) throw bareError('.dockerignore: illegal exclusion pattern: "!"', "write !PATH");
      text = text.slice(1);
    }
    checkSyntax(text);
    compiled.push(compile(text, exclusion));
  }

  function matches(relPath: string): boolean {
    const path = normalize(relPath);
    if (path === ".") return false;
    const parts = path.split("/").slice(0, -1);
    let matched = false;
    for (const p of compiled) {
      if (p.exclusion !== matched) continue;
      let hit = matchOne(p, path);
      for (let i = 1; !hit && i <= parts.length; i++) hit = matchOne(p, parts.slice(0, i).join("/"));
      if (hit) matched = !p.exclusion;
    }
    return matched;
  }

  /** Could exception `p` match `dir` or a path below it? Wildcards within a component are compared. */
  function reaches(p: Pattern, dir: string): boolean {
    if (!WILDCARD.test(p.text)) return `${p.text}/`.startsWith(`${dir}/`) || dir.startsWith(`${p.text}/`);
    const pparts = p.text.split("/");
    const dparts = dir.split("/");
    for (let i = 0; i < Math.min(pparts.length, dparts.length); i++) {
      const pp = pparts[i] as string;
      if (pp.includes("**")) return true;
      if (!matchOne(compile(pp, false), dparts[i] as string)) return false;
    }
    return true;
  }

  return {
    matches,
    mayContainExceptions: (dirRelPath) => {
      const dir = normalize(dirRelPath);
      return compiled.some((p) => p.exclusion && (dir === "." || reaches(p, dir)));
    },
    patterns: compiled.map((p) => (p.exclusion ? `!${p.text}` : p.text)),
  };
}

/**
 * Where to look for the ignore file, first found wins: `<Dockerfile>.dockerignore` beside the
 * Dockerfile, then `.dockerignore` at the context root. No Dockerfile path (read from stdin): only
 * the latter.
 */
export function dockerignoreCandidates(opts: {
  dockerfile: string | undefined;
  contextDir: string;
}): string[] {
  const root = posix.join(opts.contextDir, ".dockerignore");
  if (opts.dockerfile === undefined || opts.dockerfile === "-") return [root];
  return [`${opts.dockerfile}.dockerignore`, root];
}

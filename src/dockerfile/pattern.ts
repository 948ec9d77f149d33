import { bareError } from "./errors.js";

/**
 * Shell patterns of `${VAR#pattern}`, `${VAR%pattern}` and `${VAR/pattern/replacement}`, as
 * BuildKit's lexer reads them: `*` (shortest or longest run), `?` (one character), `\` escaping
 * `*`, `?` and `\` (and `}` or `/`, whose escape is dropped); no bracket expressions.
 */
export function shellPatternToRegex(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? "^" : "";
  const star = greedy ? "[^\\n]*" : "[^\\n]*?";
  for (let i = 0; i < chars.length; i++) {
    let ch = chars[i] as string;
    if (ch === "*") {
      out += star;
      continue;
    }
    if (ch === "?") {
      out += "[^\\n]";
      continue;
    }
    if (ch === "\\") {
      const next = chars[i + 1];
      if (next === "}" || next === "/") continue;
      i++;
      if (next !== "*" && next !== "?" && next !== "\\") {
        throw bareError(`invalid pattern (${pattern}) in substitution: invalid escape '\\${next ?? ""}'`);
      }
      out += `\\${next}`;
      continue;
    }
    if ("[]{}.+()|^$".includes(ch)) ch = `\\${ch}`;
    out += ch;
  }
  return new RegExp(out);
}

export function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = shellPatternToRegex(pattern, greedy, true).exec(value);
  return m ? value.slice(m[0].length) : value;
}

/** Reverses a pattern but keeps each escape before the character it escapes: `a\*c` → `c\*a`. */
function reversePattern(pattern: string): string {
  const chars = Array.from(pattern);
  const out: string[] = new Array(chars.length);
  const last = chars.length - 1;
  for (let i = 0; i <= last; ) {
    const ch = chars[i] as string;
    const at = last - i;
    if (ch === "\\" && i !== last) {
      out[at - 1] = ch;
      out[at] = chars[i + 1] as string;
      i += 2;
    } else {
      out[at] = ch;
      i++;
    }
  }
  return out.join("");
}

const reverse = (s: string): string => Array.from(s).reverse().join("");

/** The shortest (or longest) matching suffix removed: both reversed so that a prefix search does it. */
export function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  return reverse(trimPrefix(reversePattern(pattern), reverse(value), greedy));
}

export function replacePattern(value: string, pattern: string, replacement: string, all: boolean): string {
  const re = shellPatternToRegex(pattern, true, false);
  if (!all) {
    const m = re.exec(value);
    return m ? value.slice(0, m.index) + replacement + value.slice(m.index + m[0].length) : value;
  }
  return value.replace(new RegExp(re.source, "g"), () => replacement);
}

/**
 * Go's `path.Match`, which COPY and ADD sources use (BuildKit's copy follows it): `*` any run of
 * non-`/` characters, `?` one, `[...]` a class (`^` or `!` negates, ranges), `\` escapes. A
 * malformed pattern matches nothing.
 */
export function globMatch(pattern: string, name: string): boolean {
  return matchAt(pattern, 0, name, 0);
}

function matchAt(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const c = p[pi] as string;
    if (c === "*") {
      while (p[pi] === "*") pi++;
      if (pi === p.length) return !s.slice(si).includes("/");
      for (let k = si; k <= s.length; k++) {
        if (matchAt(p, pi, s, k)) return true;
        if (s[k] === "/") return false;
      }
      return false;
    }
    if (si >= s.length) return false;
    const ch = s[si] as string;
    if (c === "?") {
      if (ch === "/") return false;
      pi++;
      si++;
      continue;
    }
    if (c === "[") {
      const r = matchClass(p, pi + 1, ch);
      if (!r?.ok) return false;
      pi = r.next;
      si++;
      continue;
    }
    let lit = c;
    if (c === "\\") {
      pi++;
      if (pi >= p.length) return false;
      lit = p[pi] as string;
    }
    if (lit !== ch) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

/** Matches `ch` against the class starting after `[`; undefined when the class is malformed. */
function matchClass(p: string, i: number, ch: string): { ok: boolean; next: number } | undefined {
  if (ch === "/") return { ok: false, next: i };
  let negate = false;
  if (p[i] === "^" || p[i] === "!") {
    negate = true;
    i++;
  }
  let matched = false;
  let first = true;
  for (;;) {
    if (i >= p.length) return undefined;
    if (p[i] === "]" && !first) {
      i++;
      break;
    }
    first = false;
    let lo = p[i] as string;
    if (lo === "\\") {
      i++;
      if (i >= p.length) return undefined;
      lo = p[i] as string;
    }
    i++;
    let hi = lo;
    if (p[i] === "-" && p[i + 1] !== undefined && p[i + 1] !== "]") {
      i++;
      hi = p[i] as string;
      if (hi === "\\") {
        i++;
        if (i >= p.length) return undefined;
        hi = p[i] as string;
      }
      i++;
    }
    if (lo <= ch && ch <= hi) matched = true;
  }
  return { ok: matched !== negate, next: i };
}

/** Whether a path has glob characters (unescaped `*`, `?`, `[`). */
export function hasWildcard(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "\\") i++;
    else if (c === "*" || c === "?" || c === "[") return true;
  }
  return false;
}

/** Removes the escapes of a pattern with no wildcard (`a\\[b` names `a[b`). */
export function unescapeGlob(p: string): string {
  return p.replace(/\\(.)/g, "$1");
}

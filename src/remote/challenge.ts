/** One `WWW-Authenticate` challenge: its scheme (lower-cased) and parameters (names lower-cased). */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;

/**
 * Parses `WWW-Authenticate` values (RFC 7235): `Bearer realm="...",service="...",scope="..."`,
 * `Basic realm="..."`, several challenges in one value or in several headers.
 */
export function parseChallenges(values: string | string[] | undefined): Challenge[] {
  const out: Challenge[] = [];
  for (const v of Array.isArray(values) ? values : values === undefined ? [] : [values]) {
    parseOne(v, out);
  }
  return out;
}

function parseOne(s: string, out: Challenge[]): void {
  let i = 0;
  const skip = (chars: RegExp) => {
    while (i < s.length && chars.test(s[i] as string)) i++;
  };
  const token = (): string | undefined => {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(s);
    if (!m) return undefined;
    i += m[0].length;
    return m[0];
  };
  const quoted = (): string => {
    let v = "";
    i++; // opening quote
    while (i < s.length && s[i] !== '"') {
      if (s[i] === "\\" && i + 1 < s.length) i++;
      v += s[i];
      i++;
    }
    i++; // closing quote
    return v;
  };
  let current: Challenge | undefined;
  while (i < s.length) {
    skip(/[\s,]/);
    const start = i;
    const name = token();
    if (name === undefined) {
      i++;
      continue;
    }
    skip(/[ \t]/);
    if (s[i] === "=" && current !== undefined) {
      i++;
      skip(/[ \t]/);
      const value = s[i] === '"' ? quoted() : (token() ?? "");
      current.params[name.toLowerCase()] = value;
      continue;
    }
    if (s[i] === "=" && current === undefined) {
      i = start + name.length + 1; // a parameter with no scheme before it: ignore it
      continue;
    }
    current = { scheme: name.toLowerCase(), params: {} };
    out.push(current);
  }
}

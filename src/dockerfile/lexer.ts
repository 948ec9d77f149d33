import { bareError } from "./errors.js";
import { replacePattern, trimPrefix, trimSuffix } from "./pattern.js";

/** Looks a variable up: its value, or undefined when it is not set (set but empty is ""). */
export type Lookup = (name: string) => string | undefined;

export interface LexOptions {
  /** The Dockerfile's escape character: `\` (default) or `` ` ``. */
  escape?: string;
  /** Keep quote characters in the result (they still group and stop expansion). */
  rawQuotes?: boolean;
  /** Keep escape characters in the result. */
  rawEscapes?: boolean;
  /** Quotes are ordinary characters (heredoc bodies: the quotes belong to the script). */
  skipProcessQuotes?: boolean;
  /** Leave `$VAR` of an unset variable as written instead of making it empty. */
  skipUnsetEnv?: boolean;
}

const EOF = undefined;

/** Go's unicode.IsSpace. */
export function isSpace(ch: string): boolean {
  return ch === "\u0085" || (ch !== "\uFEFF" && /^\s$/u.test(ch));
}

const isLetter = (ch: string): boolean => /^\p{L}$/u.test(ch);
const isDigit = (ch: string): boolean => /^\p{Nd}$/u.test(ch);
const isSpecialParam = (ch: string): boolean => "@*#?-$!0".includes(ch);

/** Words as a shell splits them: expansion results split on spaces, quoted and escaped text never. */
function newWords() {
  let buf = "";
  let inWord = false;
  const words: string[] = [];
  const flush = (): void => {
    if (buf.length > 0) words.push(buf);
    buf = "";
    inWord = false;
  };
  return {
    addChar(ch: string): void {
      if (isSpace(ch)) {
        if (inWord && buf.length > 0) flush();
      } else {
        buf += ch;
        inWord = true;
      }
    },
    addRaw(s: string): void {
      buf += s;
      inWord = true;
    },
    addString(s: string): void {
      for (const ch of s) this.addChar(ch);
    },
    get(): string[] {
      flush();
      return words;
    },
  };
}

/**
 * BuildKit's shell lexer (frontend/dockerfile/shell/lex.go), written again: quotes, escapes and
 * `$VAR`, `${VAR}`, `${VAR:-w}`, `${VAR-w}`, `${VAR:+w}`, `${VAR+w}`, `${VAR:?msg}`, `${VAR?msg}`,
 * `${VAR#p}`, `${VAR##p}`, `${VAR%p}`, `${VAR%%p}`, `${VAR/p/r}`, `${VAR//p/r}`.
 */
function lex(word: string, lookup: Lookup, opts: LexOptions): { result: string; words: string[] } {
  const chars = Array.from(word);
  const esc = opts.escape ?? "\\";
  let pos = 0;
  let rawEscapes = opts.rawEscapes === true;
  const peek = (): string | undefined => chars[pos];
  const next = (): string | undefined => chars[pos++];

  function processStopOn(stop: string | undefined, raw: boolean): { result: string; words: string[] } {
    const saved = rawEscapes;
    rawEscapes = raw;
    try {
      let result = "";
      const words = newWords();
      while (peek() !== EOF) {
        const ch = peek() as string;
        if (stop !== EOF && ch === stop) {
          next();
          return { result, words: words.get() };
        }
        if (ch === "$") {
          const v = processDollar();
          result += v;
          words.addString(v);
        } else if (!opts.skipProcessQuotes && (ch === "'" || ch === '"')) {
          const v = ch === "'" ? processSingleQuote() : processDoubleQuote();
          result += v;
          words.addRaw(v);
        } else {
          let c = next() as string;
          if (c === esc) {
            if (rawEscapes) {
              words.addRaw(c);
              result += c;
            }
            const n = next();
            if (n === EOF) break;
            c = n;
            words.addRaw(c);
          } else {
            words.addChar(c);
          }
          result += c;
        }
      }
      if (stop !== EOF) throw bareError(`unexpected end of statement while looking for matching ${stop}`);
      return { result, words: words.get() };
    } finally {
      rawEscapes = saved;
    }
  }

  function processSingleQuote(): string {
    let result = "";
    const open = next() as string;
    if (opts.rawQuotes) result += open;
    for (;;) {
      const ch = next();
      if (ch === EOF) throw bareError("unexpected end of statement while looking for matching single-quote");
      if (ch === "'") return opts.rawQuotes ? result + ch : result;
      result += ch;
    }
  }

  function processDoubleQuote(): string {
    let result = "";
    const open = next() as string;
    if (opts.rawQuotes) result += open;
    for (;;) {
      const ch = peek();
      if (ch === EOF) throw bareError("unexpected end of statement while looking for matching double-quote");
      if (ch === '"') {
        next();
        return opts.rawQuotes ? `${result}"` : result;
      }
      if (ch === "$") {
        result += processDollar();
        continue;
      }
      let c = next() as string;
      if (c === esc) {
        if (rawEscapes) result += c;
        const n = peek();
        if (n === EOF) continue;
        if (n === '"' || n === "$" || n === esc) c = next() as string;
      }
      result += c;
    }
  }

  function processName(): string {
    let name = "";
    while (peek() !== EOF) {
      const ch = peek() as string;
      if (name.length === 0 && isDigit(ch)) {
        while (peek() !== EOF && isDigit(peek() as string)) name += next();
        return name;
      }
      if (name.length === 0 && isSpecialParam(ch)) return next() as string;
      if (!isLetter(ch) && !isDigit(ch) && ch !== "_") break;
      name += next();
    }
    return name;
  }

  function get(name: string): string | undefined {
    return lookup(name);
  }

  function processDollar(): string {
    next();
    if (peek() !== "{") {
      const name = processName();
      if (name === "") return "$";
      const v = get(name);
      if (v === undefined && opts.skipUnsetEnv) return `$${name}`;
      return v ?? "";
    }
    next();
    const first = peek();
    if (first === EOF) throw bareError("syntax error: missing '}'");
    if (first === "{" || first === "}" || first === ":") throw bareError("syntax error: bad substitution");
    const name = processName();
    let ch = next();
    if (ch === EOF) throw bareError("syntax error: missing '}'");
    let mod = ch;
    if (ch === "}") {
      const v = get(name);
      if (v === undefined && opts.skipUnsetEnv) return `\${${name}}`;
      return v ?? "";
    }
    if (ch === "/") return processReplace(name);
    let nullIsUnset = false;
    if (ch === ":") {
      nullIsUnset = true;
      ch = next();
      mod += ch ?? "";
    }
    if (ch === EOF || !"+-?#%".includes(ch)) {
      throw bareError(`unsupported modifier (${mod}) in substitution`);
    }
    const patternOp = ch === "#" || ch === "%";
    if (nullIsUnset && patternOp) throw bareError(`unsupported modifier (${mod}) in substitution`);
    let arg: string;
    try {
      arg = processStopOn("}", patternOp).result;
    } catch (e) {
      if (peek() === EOF) throw bareError("syntax error: missing '}'");
      throw e;
    }
    const value = get(name);
    if (opts.skipUnsetEnv && value === undefined) return `\${${name}${mod}${arg}}`;
    const unset = value === undefined || (nullIsUnset && value === "");
    switch (ch) {
      case "-":
        return unset ? arg : (value as string);
      case "+":
        return unset ? "" : arg;
      case "?":
        if (value === undefined) throw bareError(`${name}: ${arg || "is not allowed to be unset"}`);
        if (nullIsUnset && value === "") throw bareError(`${name}: ${arg || "is not allowed to be empty"}`);
        return value;
      default: {
        const greedy = arg.startsWith(ch);
        const pattern = greedy ? arg.slice(1) : arg;
        return ch === "%"
          ? trimSuffix(pattern, value ?? "", greedy)
          : trimPrefix(pattern, value ?? "", greedy);
      }
    }
  }

  function processReplace(name: string): string {
    const all = peek() === "/";
    if (all) next();
    let pattern: string;
    let replacement: string;
    try {
      pattern = processStopOn("/", true).result;
    } catch (e) {
      if (peek() === EOF) throw bareError(`syntax error: missing '/' in \${}`);
      throw e;
    }
    try {
      replacement = processStopOn("}", true).result;
    } catch (e) {
      if (peek() === EOF) throw bareError("syntax error: missing '}'");
      throw e;
    }
    const value = get(name);
    if (opts.skipUnsetEnv && value === undefined) return `\${${name}/${pattern}/${replacement}}`;
    return replacePattern(value ?? "", pattern, replacement, all);
  }

  try {
    return processStopOn(EOF, rawEscapes);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw bareError(
      `failed to process ${JSON.stringify(word)}: ${detail}`,
      `check the quotes and \${...} forms`,
    );
  }
}

/** Expands one word as BuildKit's ProcessWord: quotes removed, spaces kept, one string out. */
export function processWord(word: string, lookup: Lookup, opts: LexOptions = {}): string {
  return lex(word, lookup, opts).result;
}

/** Expands and splits as BuildKit's ProcessWords: values of variables split on spaces, quoted text not. */
export function processWords(word: string, lookup: Lookup, opts: LexOptions = {}): string[] {
  return lex(word, lookup, opts).words;
}

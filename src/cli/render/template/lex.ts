/**
 * The lexer of Go's text/template, on the default `{{` `}}` delimiters, with trim markers
 * (`{{- ` and ` -}}`) and comments (`{{/* ... *\/}}`).
 */

export type TokenKind =
  | "text"
  | "left"
  | "right"
  | "space"
  | "pipe"
  | "lparen"
  | "rparen"
  | "declare"
  | "assign"
  | "comma"
  | "field"
  | "dot"
  | "variable"
  | "identifier"
  | "keyword"
  | "string"
  | "char"
  | "number"
  | "bool"
  | "nil"
  | "eof";

export interface Token {
  kind: TokenKind;
  /** The source text (for `text`, after trimming). */
  value: string;
  /** Offset of the token in the template. */
  pos: number;
}

export const KEYWORDS = new Set([
  "block",
  "break",
  "continue",
  "define",
  "else",
  "end",
  "if",
  "range",
  "template",
  "with",
]);

/** A parse error with Go's position prefix added by the parser. */
export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\r" || c === "\n";
const isAlnum = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_]/u.test(c);

function scanQuoted(src: string, start: number, quote: string): number {
  let i = start + 1;
  for (;;) {
    const c = src[i];
    if (c === undefined || (c === "\n" && quote !== "`")) {
      const what = quote === "`" ? "raw quoted string" : quote === "'" ? "char constant" : "quoted string";
      throw new TemplateSyntaxError(`unterminated ${what}`, start);
    }
    if (c === "\\" && quote !== "`") {
      i += 2;
      continue;
    }
    i++;
    if (c === quote) return i;
  }
}

function scanNumber(src: string, start: number): number {
  const m = /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(\d[\d_]*)?\.?[\d_]*([eE][+-]?\d+)?)/.exec(
    src.slice(start),
  );
  const len = m?.[0].length ?? 0;
  if (len === 0 || isAlnum(src[start + len])) {
    let end = start + Math.max(len, 1);
    while (isAlnum(src[end]) || src[end] === ".") end++;
    throw new TemplateSyntaxError(`bad number syntax: "${src.slice(start, end)}"`, start);
  }
  return start + len;
}

/** Splits a template into tokens; text around trim markers is trimmed here. */
export function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let trimNext = false;
  while (i <= src.length) {
    const open = src.indexOf("{{", i);
    let text = src.slice(i, open === -1 ? src.length : open);
    const trimLeft = open !== -1 && src[open + 2] === "-" && isSpace(src[open + 3]);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, "");
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, "");
    if (text !== "") out.push({ kind: "text", value: text, pos: i });
    if (open === -1) break;
    i = open + 2 + (trimLeft ? 2 : 0);
    out.push({ kind: "left", value: "{{", pos: open });
    // Comments
    if (src.startsWith("/*", i)) {
      const close = src.indexOf("*/", i + 2);
      if (close === -1) throw new TemplateSyntaxError("unclosed comment", i);
      let j = close + 2;
      const trimRight = isSpace(src[j]) && src[j + 1] === "-" && src.startsWith("}}", j + 2);
      if (trimRight) j += 2;
      if (!src.startsWith("}}", j)) throw new TemplateSyntaxError("comment ends before closing delimiter", i);
      out.pop();
      i = j + 2;
      trimNext = trimRight;
      continue;
    }
    i = lexAction(src, i, out);
    trimNext = out.at(-1)?.value === "-}}";
  }
  out.push({ kind: "eof", value: "", pos: src.length });
  return out;
}

/** Lexes inside `{{ ... }}` from `i`; returns the offset after the closing delimiter. */
function lexAction(src: string, i: number, out: Token[]): number {
  let depth = 0;
  for (;;) {
    if (isSpace(src[i]) && src[i + 1] === "-" && src.startsWith("}}", i + 2)) {
      if (depth > 0) throw new TemplateSyntaxError("unclosed left paren", i);
      out.push({ kind: "right", value: "-}}", pos: i });
      return i + 4;
    }
    if (src.startsWith("}}", i)) {
      if (depth > 0) throw new TemplateSyntaxError("unclosed left paren", i);
      out.push({ kind: "right", value: "}}", pos: i });
      return i + 2;
    }
    const c = src[i];
    const start = i;
    const push = (kind: TokenKind, end: number) => {
      out.push({ kind, value: src.slice(start, end), pos: start });
      i = end;
    };
    if (c === undefined) throw new TemplateSyntaxError("unclosed action", start);
    if (isSpace(c)) {
      let end = i;
      while (isSpace(src[end]) && !(src[end + 1] === "-" && src.startsWith("}}", end + 2))) end++;
      if (end === i) end++;
      push("space", end);
    } else if (c === "|") push("pipe", i + 1);
    else if (c === "(") {
      depth++;
      push("lparen", i + 1);
    } else if (c === ")") {
      depth--;
      if (depth < 0) throw new TemplateSyntaxError(`unexpected right paren`, start);
      push("rparen", i + 1);
    } else if (c === ":" && src[i + 1] === "=") push("declare", i + 2);
    else if (c === "=") push("assign", i + 1);
    else if (c === ",") push("comma", i + 1);
    else if (c === '"' || c === "`") push("string", scanQuoted(src, i, c));
    else if (c === "'") push("char", scanQuoted(src, i, c));
    else if (c === "$") {
      let end = i + 1;
      while (isAlnum(src[end])) end++;
      push("variable", end);
    } else if (c === ".") {
      if (/[0-9]/.test(src[i + 1] ?? "")) push("number", scanNumber(src, i));
      else if (isAlnum(src[i + 1])) {
        let end = i + 1;
        while (isAlnum(src[end])) end++;
        push("field", end);
      } else push("dot", i + 1);
    } else if (c === "+" || c === "-" || /[0-9]/.test(c)) push("number", scanNumber(src, i));
    else if (isAlnum(c)) {
      let end = i;
      while (isAlnum(src[end])) end++;
      const word = src.slice(i, end);
      push(
        KEYWORDS.has(word)
          ? "keyword"
          : word === "true" || word === "false"
            ? "bool"
            : word === "nil"
              ? "nil"
              : "identifier",
        end,
      );
    } else {
      const code = c.codePointAt(0) ?? 0;
      throw new TemplateSyntaxError(
        `bad character U+${code.toString(16).toUpperCase().padStart(4, "0")} '${c}'`,
        start,
      );
    }
  }
}

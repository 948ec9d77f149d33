/**
 * The HCL native syntax as bake files use it, parsed into a small tree: bodies of attributes and
 * blocks; expressions with literals, quoted and heredoc templates (`${...}` interpolation),
 * tuples, objects, variables, attribute and index access, function calls (`f(xs...)` too),
 * unary and binary operators, the conditional and `for` expressions, template directives
 * (`%{if}`/`%{else}`/`%{endif}`, `%{for}`/`%{endfor}`), `~` strip markers and splats (`[*]`, `.*`).
 */
import { WharfError } from "../errors/index.js";

export interface Pos {
  file: string;
  line: number;
  col: number;
  /** Column just past the construct (same line), for buildx's `line,col-end` ranges. */
  end?: number;
}

export type Expr =
  | { k: "lit"; v: Value; pos: Pos }
  | { k: "tmpl"; parts: TemplatePart[]; pos: Pos }
  | { k: "var"; name: string; pos: Pos }
  | { k: "get"; obj: Expr; key: string; pos: Pos }
  | { k: "index"; obj: Expr; idx: Expr; pos: Pos }
  | { k: "call"; name: string; args: Expr[]; expand: boolean; pos: Pos }
  | { k: "tuple"; items: Expr[]; pos: Pos }
  | { k: "object"; items: { key: Expr; value: Expr }[]; pos: Pos }
  | { k: "unary"; op: "!" | "-"; x: Expr; pos: Pos }
  | { k: "binary"; op: string; a: Expr; b: Expr; pos: Pos }
  | { k: "cond"; c: Expr; t: Expr; f: Expr; pos: Pos }
  /** `src[*].rest` (or `src.*.rest`): `each` (the rest, on the variable SPLAT) for every element. */
  | { k: "splat"; src: Expr; each: Expr; pos: Pos }
  | {
      k: "for";
      keyVar: string | undefined;
      valVar: string;
      coll: Expr;
      key: Expr | undefined;
      val: Expr;
      cond: Expr | undefined;
      group: boolean;
      obj: boolean;
      pos: Pos;
    };

export type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

/** A template's pieces: literal text, `${...}` interpolations, `%{if}` and `%{for}` directives. */
export type TemplatePart =
  | string
  | Expr
  | { k: "tif"; cond: Expr; yes: TemplatePart[]; no: TemplatePart[]; pos: Pos }
  | { k: "tfor"; keyVar: string | undefined; valVar: string; coll: Expr; body: TemplatePart[]; pos: Pos };

export interface Attribute {
  name: string;
  expr: Expr;
  pos: Pos;
}

export interface Block {
  type: string;
  labels: string[];
  body: Body;
  pos: Pos;
}

export interface Body {
  attrs: Attribute[];
  blocks: Block[];
}

/** A syntax or evaluation error as buildx (hcl) words it: `FILE:LINE,COL-END: Summary; Detail`. */
export function hclError(pos: Pos, summary: string, detail: string): WharfError {
  const range = `${pos.line},${pos.col}-${pos.end ?? pos.col + 1}`;
  return new WharfError("invalid-argument", `${pos.file}:${range}: ${summary}; ${detail}`, {
    hint: "fix the bake file at that line",
  });
}

/** The name a splat's elements have in its `each` expression (no HCL name can be it). */
export const SPLAT = "\u0000splat";

const IDENT_START = /[A-Za-z_]/;
const IDENT = /[A-Za-z0-9_-]/;

class Parser {
  i = 0;
  /** > 0 inside (), [] and {} expressions, where newlines are spaces. */
  nest = 0;
  /** A `~}` was read: the template text that follows loses its leading whitespace. */
  stripNext = false;
  constructor(
    readonly src: string,
    readonly file: string,
    /** Line and column of src[0] in the file (a heredoc's text is parsed apart). */
    readonly line0 = 1,
    readonly col0 = 1,
  ) {}

  pos(at = this.i): Pos {
    let line = this.line0;
    let last = -1;
    for (let j = 0; j < at; j++) {
      if (this.src[j] === "\n") {
        line++;
        last = j;
      }
    }
    const col = last < 0 ? this.col0 + at : at - last;
    return { file: this.file, line, col };
  }

  span(start: number): Pos {
    const p = this.pos(start);
    const e = this.pos(this.i);
    return { ...p, end: e.line === p.line ? e.col : p.col + 1 };
  }

  fail(summary: string, detail: string, at = this.i): never {
    throw hclError(this.pos(at), summary, detail);
  }

  /** Skips spaces and comments, and newlines when `nl` (or nested). */
  ws(nl = this.nest > 0): void {
    const s = this.src;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === " " || c === "\t" || c === "\r") this.i++;
      else if (c === "\n" && nl) this.i++;
      else if (c === "#" || (c === "/" && s[this.i + 1] === "/")) {
        while (this.i < s.length && s[this.i] !== "\n") this.i++;
      } else if (c === "/" && s[this.i + 1] === "*") {
        const e = s.indexOf("*/", this.i + 2);
        if (e < 0) this.fail("Unterminated comment", "There is no closing marker for this comment.");
        this.i = e + 2;
      } else break;
    }
  }

  peek(t: string): boolean {
    return this.src.startsWith(t, this.i);
  }

  eat(t: string): boolean {
    if (!this.peek(t)) return false;
    this.i += t.length;
    return true;
  }

  expect(t: string, what: string): void {
    this.ws();
    if (!this.eat(t)) {
      const found = this.i >= this.src.length ? "end of file" : JSON.stringify(this.src[this.i]);
      this.fail(`Missing ${what}`, `Expected ${JSON.stringify(t)}, found ${found}.`);
    }
  }

  /** A `for`'s variables, `VALUE` or `KEY, VALUE` (a `for` expression's and a `%{for}` directive's). */
  forVars(): { keyVar?: string; valVar?: string } {
    this.ws();
    const first = this.ident();
    this.ws();
    if (!this.eat(",")) return first === undefined ? {} : { valVar: first };
    this.ws();
    const second = this.ident();
    return {
      ...(first !== undefined ? { keyVar: first } : {}),
      ...(second !== undefined ? { valVar: second } : {}),
    };
  }

  ident(): string | undefined {
    const s = this.src;
    if (!IDENT_START.test(s[this.i] ?? "")) return undefined;
    const start = this.i;
    while (this.i < s.length && IDENT.test(s[this.i] as string)) this.i++;
    return s.slice(start, this.i);
  }

  body(closing: boolean): Body {
    const out: Body = { attrs: [], blocks: [] };
    for (;;) {
      this.ws(true);
      if (this.i >= this.src.length) {
        if (closing) this.fail("Unclosed configuration block", "There is no closing brace for this block.");
        return out;
      }
      if (closing && this.eat("}")) return out;
      const start = this.i;
      const name = this.ident();
      if (name === undefined)
        this.fail(
          "Argument or block definition required",
          "An argument or block definition is required here.",
        );
      this.ws(false);
      if (this.peek("=") && !this.peek("==")) {
        this.i++;
        const expr = this.expr();
        out.attrs.push({ name, expr, pos: this.span(start) });
        this.ws(false);
        if (!(this.i >= this.src.length || this.peek("\n") || (closing && this.peek("}"))))
          this.fail("Missing newline after argument", "An argument definition must end with a newline.");
        continue;
      }
      const labels: string[] = [];
      for (;;) {
        this.ws(false);
        if (this.peek('"')) {
          const t = this.template();
          if (t.parts.some((p) => typeof p !== "string"))
            this.fail("Invalid block label", "A block label must be a literal string.", start);
          labels.push(t.parts.join(""));
        } else {
          const l = this.ident();
          if (l === undefined) break;
          labels.push(l);
        }
      }
      if (!this.eat("{"))
        this.fail(
          "Invalid block definition",
          'Either a quoted string block label or an opening brace ("{") is expected here.',
        );
      const body = this.body(true);
      out.blocks.push({ type: name, labels, body, pos: this.span(start) });
    }
  }

  expr(): Expr {
    const start = this.i;
    const c = this.binary(0);
    this.ws();
    if (this.eat("?")) {
      const t = this.expr();
      this.expect(":", "false expression");
      const f = this.expr();
      return { k: "cond", c, t, f, pos: this.span(start) };
    }
    return c;
  }

  static readonly LEVELS: string[][] = [
    ["||"],
    ["&&"],
    ["==", "!="],
    ["<=", ">=", "<", ">"],
    ["+", "-"],
    ["*", "/", "%"],
  ];

  binary(level: number): Expr {
    if (level >= Parser.LEVELS.length) return this.unary();
    const start = this.i;
    let a = this.binary(level + 1);
    for (;;) {
      this.ws();
      const op = (Parser.LEVELS[level] as string[]).find(
        (o) => this.peek(o) && !(o === ">" && this.peek("=>")) && !(o === "<" && this.peek("<<")),
      );
      if (!op) return a;
      this.i += op.length;
      this.ws();
      const b = this.binary(level + 1);
      a = { k: "binary", op, a, b, pos: this.span(start) };
    }
  }

  unary(): Expr {
    this.ws();
    const start = this.i;
    if (this.peek("!") && !this.peek("!=")) {
      this.i++;
      return { k: "unary", op: "!", x: this.unary(), pos: this.span(start) };
    }
    if (this.peek("-") && !/[0-9]/.test(this.src[this.i + 1] ?? "")) {
      this.i++;
      return { k: "unary", op: "-", x: this.unary(), pos: this.span(start) };
    }
    return this.postfix(this.primary());
  }

  postfix(e: Expr): Expr {
    const start = this.i;
    for (;;) {
      this.ws(this.nest > 0);
      if (this.peek("[*]") || this.peek(".*")) {
        this.i += this.peek("[*]") ? 3 : 2;
        const each = this.postfix({ k: "var", name: SPLAT, pos: this.span(start) });
        return { k: "splat", src: e, each, pos: this.span(start) };
      }
      if (this.peek(".") && !this.peek("...")) {
        this.i++;
        const s = this.i;
        const key = this.ident() ?? (/[0-9]/.test(this.src[this.i] ?? "") ? this.number() : undefined);
        if (key === undefined)
          this.fail("Invalid attribute name", "An attribute name is required after a dot.");
        e = { k: "get", obj: e, key: String(key), pos: { ...this.span(s) } };
      } else if (this.peek("[")) {
        this.i++;
        this.nest++;
        const idx = this.expr();
        this.expect("]", "close bracket on index");
        this.nest--;
        e = { k: "index", obj: e, idx, pos: this.span(start) };
      } else return e;
    }
  }

  number(): number {
    const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.src.slice(this.i));
    if (!m) this.fail("Invalid number", "A number is expected here.");
    this.i += m[0].length;
    return Number(m[0]);
  }

  primary(): Expr {
    this.ws();
    const start = this.i;
    const c = this.src[this.i];
    if (c === undefined)
      this.fail("Missing expression", "Expected the start of an expression, but found the end of the file.");
    if (/[0-9]/.test(c) || (c === "-" && /[0-9]/.test(this.src[this.i + 1] ?? ""))) {
      const neg = this.eat("-");
      const v = this.number();
      return { k: "lit", v: neg ? -v : v, pos: this.span(start) };
    }
    if (c === '"') return this.template();
    if (this.peek("<<")) return this.heredoc();
    if (c === "(") {
      this.i++;
      this.nest++;
      const e = this.expr();
      this.expect(")", "close parenthesis");
      this.nest--;
      return e;
    }
    if (c === "[") return this.tuple();
    if (c === "{") return this.object();
    const name = this.ident();
    if (name === undefined)
      this.fail(
        "Invalid expression",
        "Expected the start of an expression, but found an invalid expression token.",
      );
    if (name === "true" || name === "false") return { k: "lit", v: name === "true", pos: this.span(start) };
    if (name === "null") return { k: "lit", v: null, pos: this.span(start) };
    this.ws(false);
    if (this.peek("(")) {
      this.i++;
      this.nest++;
      const args: Expr[] = [];
      let expand = false;
      for (;;) {
        this.ws();
        if (this.eat(")")) break;
        args.push(this.expr());
        this.ws();
        if (this.eat("...")) {
          expand = true;
          this.ws();
        }
        if (this.eat(")")) break;
        this.expect(",", "argument separator");
      }
      this.nest--;
      return { k: "call", name, args, expand, pos: this.span(start) };
    }
    return { k: "var", name, pos: this.span(start) };
  }

  /** `for x in coll: ...` after `[` or `{`; undefined when the bracket opens no `for`. */
  forExpr(obj: boolean, start: number): Expr | undefined {
    const save = this.i;
    this.ws();
    if (!/^for\s/.test(this.src.slice(this.i, this.i + 4))) {
      this.i = save;
      return undefined;
    }
    this.i += 3;
    const { keyVar, valVar } = this.forVars();
    if (valVar === undefined) this.fail("Invalid 'for' expression", "A variable name is required.");
    this.ws();
    if (!this.eat("in")) this.fail("Invalid 'for' expression", 'The keyword "in" is required.');
    const coll = this.expr();
    this.expect(":", "colon in 'for' expression");
    let key: Expr | undefined;
    let val = this.expr();
    let group = false;
    if (obj) {
      this.expect("=>", "'=>' in 'for' object");
      key = val;
      val = this.expr();
      this.ws();
      group = this.eat("...");
    }
    this.ws();
    let cond: Expr | undefined;
    if (/^if\b/.test(this.src.slice(this.i, this.i + 3))) {
      this.i += 2;
      cond = this.expr();
    }
    this.expect(obj ? "}" : "]", "closing bracket of 'for'");
    return { k: "for", keyVar, valVar, coll, key, val, cond, group, obj, pos: this.span(start) };
  }

  tuple(): Expr {
    const start = this.i;
    this.i++;
    this.nest++;
    const f = this.forExpr(false, start);
    if (f) {
      this.nest--;
      return f;
    }
    const items: Expr[] = [];
    for (;;) {
      this.ws();
      if (this.eat("]")) break;
      items.push(this.expr());
      this.ws();
      if (this.eat("]")) break;
      if (!this.eat(","))
        this.fail("Missing item separator", "Expected a comma to mark the beginning of the next item.");
    }
    this.nest--;
    return { k: "tuple", items, pos: this.span(start) };
  }

  object(): Expr {
    const start = this.i;
    this.i++;
    this.nest++;
    const f = this.forExpr(true, start);
    if (f) {
      this.nest--;
      return f;
    }
    const items: { key: Expr; value: Expr }[] = [];
    for (;;) {
      this.ws(true);
      if (this.eat("}")) break;
      const ks = this.i;
      let key: Expr;
      const name = this.src[this.i] === '"' || this.src[this.i] === "(" ? undefined : this.ident();
      if (name !== undefined) key = { k: "lit", v: name, pos: this.span(ks) };
      else key = this.primary();
      this.ws(false);
      if (!this.eat("=") && !this.eat(":"))
        this.fail(
          "Missing key/value separator",
          'Expected an equals sign ("=") to mark the beginning of the attribute value.',
        );
      this.nest--;
      const value = this.expr();
      this.nest++;
      items.push({ key, value });
      this.ws(false);
      if (this.eat(",")) continue;
      const before = this.i;
      this.ws(true);
      if (this.eat("}")) break;
      if (!this.src.slice(before, this.i).includes("\n"))
        this.fail(
          "Missing attribute separator",
          "Expected a newline or comma to mark the beginning of the next attribute.",
        );
    }
    this.nest--;
    return { k: "object", items, pos: this.span(start) };
  }

  /** A quoted template, escapes applied. */
  template(): { k: "tmpl"; parts: TemplatePart[]; pos: Pos } {
    const start = this.i;
    this.i++;
    const { parts, end } = this.templateSeq(true, start);
    if (end !== "quote")
      this.fail("Unexpected template directive", `%{${end}} has no opening directive.`, start);
    return { k: "tmpl", parts, pos: this.span(start) };
  }

  /**
   * Template text up to the closing quote (`quoted`) or the end of the source, or a directive
   * (`else`, `endif`, `endfor`) that closes the caller's: literal text, escapes when quoted,
   * `$${`/`%%{` as literal, interpolations, `%{if}`/`%{for}`, and `~` strip markers.
   */
  templateSeq(quoted: boolean, start: number): { parts: TemplatePart[]; end: string } {
    const parts: TemplatePart[] = [];
    const s = this.src;
    let lit = "";
    const flush = () => {
      if (lit) parts.push(lit);
      lit = "";
    };
    const stripBefore = () => {
      lit = lit.replace(/\s+$/, "");
      if (!lit && typeof parts.at(-1) === "string")
        parts[parts.length - 1] = (parts.at(-1) as string).replace(/\s+$/, "");
    };
    const text = (t: string) => {
      lit += this.stripNext ? t.replace(/^\s+/, "") : t;
      if (this.stripNext && lit) this.stripNext = false;
    };
    for (;;) {
      const c = s[this.i];
      if (c === undefined) {
        if (quoted)
          this.fail("Unterminated template string", "No closing marker was found for the string.", start);
        flush();
        return { parts, end: "eof" };
      }
      if (quoted && c === "\n")
        this.fail("Unterminated template string", "No closing marker was found for the string.", start);
      if (quoted && c === '"') {
        this.i++;
        flush();
        return { parts, end: "quote" };
      }
      if (quoted && c === "\\") {
        const n = s[this.i + 1];
        const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" };
        if (n !== undefined && n in map) {
          text(map[n] as string);
          this.i += 2;
        } else if (n === "u" || n === "U") {
          const len = n === "u" ? 4 : 8;
          const hex = s.slice(this.i + 2, this.i + 2 + len);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len)
            this.fail("Invalid escape sequence", "The \\u escape needs hexadecimal digits.");
          text(String.fromCodePoint(Number.parseInt(hex, 16)));
          this.i += 2 + len;
        } else
          this.fail(
            "Invalid escape sequence",
            `The symbol ${JSON.stringify(n)} is not a valid escape sequence selector.`,
          );
        continue;
      }
      if (this.peek("$${") || this.peek("%%{")) {
        text(s.slice(this.i + 1, this.i + 3));
        this.i += 3;
        continue;
      }
      if (this.peek("${")) {
        this.i += 2;
        if (this.eat("~")) stripBefore();
        flush();
        this.nest++;
        parts.push(this.expr());
        this.ws();
        this.stripNext = this.eat("~");
        this.expect("}", "closing brace of the interpolation");
        this.nest--;
        continue;
      }
      if (this.peek("%{")) {
        const at = this.i;
        this.i += 2;
        if (this.eat("~")) stripBefore();
        flush();
        this.nest++;
        this.ws();
        const word = this.ident();
        const close = () => {
          this.ws();
          this.stripNext = this.eat("~");
          this.expect("}", "closing brace of the directive");
          this.nest--;
        };
        if (word === "else" || word === "endif" || word === "endfor") {
          close();
          return { parts, end: word };
        }
        if (word === "if") {
          const cond = this.expr();
          close();
          const then = this.templateSeq(quoted, start);
          let other: TemplatePart[] = [];
          let end = then.end;
          if (end === "else") {
            const e = this.templateSeq(quoted, start);
            other = e.parts;
            end = e.end;
          }
          if (end !== "endif") this.fail("Unterminated template directive", "The %{if} has no %{endif}.", at);
          parts.push({ k: "tif", cond, yes: then.parts, no: other, pos: this.span(at) });
          continue;
        }
        if (word === "for") {
          const { keyVar, valVar } = this.forVars();
          this.ws();
          if (valVar === undefined || !this.eat("in"))
            this.fail("Invalid 'for' directive", 'Expected "for NAME in EXPR" here.', at);
          const coll = this.expr();
          close();
          const body = this.templateSeq(quoted, start);
          if (body.end !== "endfor")
            this.fail("Unterminated template directive", "The %{for} has no %{endfor}.", at);
          parts.push({ k: "tfor", keyVar, valVar, coll, body: body.parts, pos: this.span(at) });
          continue;
        }
        this.fail(
          "Invalid template directive",
          "A template directive keyword (if, else, endif, for, endfor) is expected.",
          at,
        );
      }
      text(c);
      this.i++;
    }
  }

  heredoc(): Expr {
    const start = this.i;
    this.i += 2;
    const indent = this.eat("-");
    const marker = this.ident();
    if (!marker || !this.eat("\n"))
      this.fail("Invalid heredoc", "A heredoc marker must be followed by a newline.", start);
    const textStart = this.i;
    const lines: string[] = [];
    for (;;) {
      if (this.i >= this.src.length)
        this.fail("Unterminated template string", `No closing marker ${marker} was found.`, start);
      let e = this.src.indexOf("\n", this.i);
      if (e < 0) e = this.src.length;
      const line = this.src.slice(this.i, e);
      this.i = Math.min(e + 1, this.src.length);
      if (line.trim() === marker) {
        if (e < this.src.length) this.i = e;
        break;
      }
      lines.push(line);
    }
    let text = lines.map((l) => `${l}\n`).join("");
    if (indent) {
      const widths = lines
        .filter((l) => l.trim() !== "")
        .map((l) => (/^[ \t]*/.exec(l) as RegExpExecArray)[0].length);
      const cut = widths.length ? Math.min(...widths) : 0;
      text = lines.map((l) => `${l.slice(cut)}\n`).join("");
    }
    const p = this.pos(textStart);
    const parts = templateParts(text, this.file, p.line);
    return { k: "tmpl", parts, pos: this.span(start) };
  }
}

/**
 * The parts of a template text with no quote escapes (a heredoc's, a JSON bake file's string):
 * literal text and `${...}` interpolations.
 */
export function templateParts(text: string, file: string, line = 1): TemplatePart[] {
  const sub = new Parser(text, file, line, 1);
  const { parts, end } = sub.templateSeq(false, 0);
  if (end !== "eof") sub.fail("Unexpected template directive", `%{${end}} has no opening directive.`, 0);
  return parts.length ? parts : [""];
}

/** Parses a whole HCL file into its body; syntax errors name the file, line and column. */
export function parseHcl(text: string, file: string): Body {
  return new Parser(text, file).body(false);
}

/** Parses one expression (a `--set` value, an environment value of a typed variable). */
export function parseExpression(text: string, file: string): Expr {
  const p = new Parser(text, file);
  p.nest = 1;
  const e = p.expr();
  p.ws(true);
  if (p.i < text.length)
    p.fail(
      "Extra characters after expression",
      "An expression was successfully parsed, but extra characters were found after it.",
    );
  return e;
}

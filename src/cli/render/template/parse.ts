import type { Arg, Command, Node, Pipe, Template } from "./ast.js";
import { lex, TemplateSyntaxError, type Token, type TokenKind } from "./lex.js";
import { parseNumber, unquote } from "./literals.js";

function lineOf(src: string, pos: number): number {
  let n = 1;
  for (let i = 0; i < pos && i < src.length; i++) if (src.charCodeAt(i) === 10) n++;
  return n;
}

/**
 * Parses a template. `funcs` names the functions it may call (Go rejects unknown ones at parse time).
 * Errors read as Go's: `template: :1: function "foo" not defined`.
 */
export function parseTemplate(source: string, funcs: ReadonlySet<string>): Template {
  try {
    return { source, nodes: new Parser(source, funcs).parse() };
  } catch (e) {
    if (e instanceof TemplateSyntaxError) {
      throw new Error(`template: :${lineOf(source, e.pos)}: ${e.message}`);
    }
    throw e;
  }
}

type Ctl = { end: true; pos: number } | { else: true; pos: number };

class Parser {
  private toks: Token[];
  private i = 0;
  private vars: string[] = ["$"];
  private rangeDepth = 0;

  constructor(
    private src: string,
    private funcs: ReadonlySet<string>,
  ) {
    this.toks = lex(src);
  }

  private peek(): Token {
    return this.toks[this.i] as Token;
  }
  private next(): Token {
    return this.toks[this.i++] as Token;
  }
  private peekNonSpace(): Token {
    while (this.peek().kind === "space") this.i++;
    return this.peek();
  }
  private nextNonSpace(): Token {
    this.peekNonSpace();
    return this.next();
  }
  private fail(message: string, pos: number): never {
    throw new TemplateSyntaxError(message, pos);
  }
  private unexpected(t: Token, context: string): never {
    if (t.kind === "eof") this.fail("unclosed action", t.pos);
    const shown = t.kind === "right" ? `"${t.value}"` : `<${t.value}>`;
    this.fail(`unexpected ${shown} in ${context}`, t.pos);
  }
  private expectRight(context: string): void {
    const t = this.nextNonSpace();
    if (t.kind !== "right") this.unexpected(t, context);
  }

  parse(): Node[] {
    const nodes: Node[] = [];
    while (this.peek().kind !== "eof") {
      const n = this.textOrAction();
      if (n === undefined) continue;
      if ("end" in n) this.fail("unexpected {{end}}", n.pos);
      if ("else" in n) this.fail("unexpected {{else}}", n.pos);
      nodes.push(n);
    }
    return nodes;
  }

  private textOrAction(): Node | Ctl | undefined {
    const t = this.next();
    if (t.kind === "text") return { type: "text", text: t.value };
    if (t.kind === "left") return this.action();
    this.unexpected(t, "input");
  }

  private itemList(): { list: Node[]; next: Ctl } {
    const list: Node[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === "eof") this.fail("unexpected EOF", t.pos);
      const n = this.textOrAction();
      if (n === undefined) continue;
      if ("end" in n || "else" in n) return { list, next: n };
      list.push(n);
    }
  }

  private action(): Node | Ctl {
    const t = this.nextNonSpace();
    if (t.kind === "keyword") {
      switch (t.value) {
        case "end":
          this.expectRight("end");
          return { end: true, pos: t.pos };
        case "else": {
          const p = this.peekNonSpace();
          if (p.kind === "keyword" && (p.value === "if" || p.value === "with"))
            return { else: true, pos: t.pos };
          this.expectRight("else");
          return { else: true, pos: t.pos };
        }
        case "if":
        case "range":
        case "with":
          return this.control(t.value, t.pos);
        case "break":
        case "continue":
          if (this.rangeDepth === 0) this.fail(`{{${t.value}}} outside {{range}}`, t.pos);
          this.expectRight(t.value);
          return { type: t.value, pos: t.pos };
        default:
          this.fail(`{{${t.value}}} is not supported by wharf's templates`, t.pos);
      }
    }
    this.i--;
    return { type: "action", pos: this.peek().pos, pipe: this.pipeline("command", "right") };
  }

  private control(kind: "if" | "range" | "with", pos: number): Node {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(kind, "right");
      if (kind === "range") this.rangeDepth++;
      const { list, next } = this.itemList();
      if (kind === "range") this.rangeDepth--;
      let elseList: Node[] | undefined;
      if ("else" in next) {
        const p = this.peek();
        if (kind !== "range" && p.kind === "keyword" && p.value === kind) {
          this.next();
          elseList = [this.control(kind, p.pos)];
        } else {
          const rest = this.itemList();
          if (!("end" in rest.next)) this.fail("expected end; found {{else}}", rest.next.pos);
          elseList = rest.list;
        }
      }
      return { type: kind, pos, pipe, list, ...(elseList ? { elseList } : {}) };
    } finally {
      this.vars.length = mark;
    }
  }

  private pipeline(context: string, end: TokenKind): Pipe {
    const pipe: Pipe = { pos: this.peekNonSpace().pos, decl: [], assign: false, cmds: [] };
    for (;;) {
      const v = this.peekNonSpace();
      if (v.kind !== "variable") break;
      const save = this.i;
      this.next();
      const after = this.peekNonSpace();
      if (after.kind === "declare" || after.kind === "assign") {
        this.next();
        pipe.assign = after.kind === "assign";
        if (pipe.assign && !this.vars.includes(v.value)) this.fail(`undefined variable "${v.value}"`, v.pos);
        pipe.decl.push(v.value);
        this.vars.push(v.value);
        break;
      }
      if (after.kind === "comma") {
        this.next();
        pipe.decl.push(v.value);
        this.vars.push(v.value);
        if (context === "range" && pipe.decl.length < 2 && this.peekNonSpace().kind === "variable") continue;
        this.fail(
          context === "range" ? "range can only initialize variables" : `too many declarations in ${context}`,
          v.pos,
        );
      }
      this.i = save;
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.kind === end) {
        if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`, t.pos);
        pipe.cmds.forEach((c, k) => {
          const first = c.args[0];
          if (k > 0 && first && !["field", "chain", "identifier", "pipe", "variable"].includes(first.type)) {
            this.fail(`non executable command in pipeline stage ${k + 1}`, c.pos);
          }
        });
        return pipe;
      }
      if (
        [
          "bool",
          "char",
          "dot",
          "field",
          "identifier",
          "number",
          "nil",
          "string",
          "variable",
          "lparen",
        ].includes(t.kind)
      ) {
        this.i--;
        pipe.cmds.push(this.command());
        continue;
      }
      this.unexpected(t, context);
    }
  }

  private command(): Command {
    const pos = this.peekNonSpace().pos;
    const args: Arg[] = [];
    for (;;) {
      this.peekNonSpace();
      const op = this.operand();
      if (op) args.push(op);
      const t = this.next();
      if (t.kind === "space") continue;
      if (t.kind === "right" || t.kind === "rparen") this.i--;
      else if (t.kind !== "pipe") this.unexpected(t, "operand");
      break;
    }
    if (args.length === 0) this.fail("empty command", pos);
    const endPos = this.peek().pos;
    return { pos, src: this.src.slice(pos, endPos).trim(), args };
  }

  private operand(): Arg | undefined {
    const node = this.term();
    if (!node || this.peek().kind !== "field") return node;
    const names: string[] = [];
    while (this.peek().kind === "field") names.push(this.next().value.slice(1));
    const src = this.src.slice(node.pos, this.peek().pos);
    if (node.type === "field") return { ...node, names: [...node.names, ...names], src };
    if (node.type === "variable") return { ...node, names: [...node.names, ...names], src };
    if (["bool", "string", "number", "nil", "dot"].includes(node.type)) {
      this.fail(`unexpected . after term "${node.src}"`, node.pos);
    }
    return { type: "chain", node, names, pos: node.pos, src };
  }

  private term(): Arg | undefined {
    const t = this.nextNonSpace();
    const base = { pos: t.pos, src: t.value };
    switch (t.kind) {
      case "identifier":
        if (!this.funcs.has(t.value)) this.fail(`function "${t.value}" not defined`, t.pos);
        return { ...base, type: "identifier", name: t.value };
      case "dot":
        return { ...base, type: "dot" };
      case "nil":
        return { ...base, type: "nil" };
      case "variable":
        if (!this.vars.includes(t.value)) this.fail(`undefined variable "${t.value}"`, t.pos);
        return { ...base, type: "variable", name: t.value, names: [] };
      case "field":
        return { ...base, type: "field", names: [t.value.slice(1)] };
      case "bool":
        return { ...base, type: "bool", value: t.value === "true" };
      case "number":
        return { ...base, type: "number", value: parseNumber(t.value, t.pos) };
      case "char":
        return { ...base, type: "number", value: unquote(t.value, t.pos).codePointAt(0) ?? 0 };
      case "string":
        return { ...base, type: "string", value: unquote(t.value, t.pos) };
      case "lparen": {
        const pipe = this.pipeline("parenthesized pipeline", "rparen");
        return {
          type: "pipe",
          pipe,
          pos: t.pos,
          src: this.src.slice(t.pos, this.toks[this.i - 1]?.pos ?? t.pos),
        };
      }
      default:
        this.i--;
        return undefined;
    }
  }
}

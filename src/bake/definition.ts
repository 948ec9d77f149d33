/**
 * A bake definition: the files' blocks merged in order, their variables (environment over the
 * file's value), user functions, targets (each definition merged, `inherits`, `matrix`) and groups,
 * evaluated on demand (a `target.NAME.ATTR` reference evaluates that target first).
 */
import { dirname, isAbsolute, join } from "node:path";
import { WharfError } from "../errors/index.js";
import { evaluate, type Scope, withVars } from "./eval.js";
import { isLocalPath } from "./files.js";
import { numberString, str } from "./functions.js";
import {
  type Attribute,
  type Block,
  type Body,
  type Expr,
  hclError,
  type Pos,
  parseExpression,
  type Value,
} from "./hcl.js";
import { checkName, mergeTargets, setAttribute, type Target } from "./target.js";

export interface VariableInfo {
  name: string;
  value: Value;
  description?: string;
}

export interface Group {
  description?: string;
  targets: string[];
}

/** What the requested names expand to: the targets in order and each group reached. */
export interface Expansion {
  targets: string[];
  groups: Map<string, Group>;
}

interface VariableDecl {
  name: string;
  attrs: Map<string, Attribute>;
  validations: Body[];
  pos: Pos;
}

function attrMap(body: Body): Map<string, Attribute> {
  return new Map(body.attrs.map((a) => [a.name, a]));
}

function labelOf(b: Block): string {
  if (b.labels.length !== 1)
    throw hclError(b.pos, `Missing name for ${b.type}`, `All ${b.type} blocks must have 1 labels (name).`);
  return b.labels[0] as string;
}

export class Definition {
  private readonly vars = new Map<string, VariableDecl>();
  private readonly globals = new Map<string, Attribute>();
  private readonly functions = new Map<string, Map<string, Attribute>>();
  private readonly targetBlocks = new Map<string, Block[]>();
  private readonly groupBlocks = new Map<string, Block[]>();
  private readonly varValues = new Map<string, Value>();
  private readonly varStack: string[] = [];
  private readonly resolved = new Map<string, Map<string, Target>>();
  private readonly resolving: string[] = [];
  readonly scope: Scope;

  constructor(
    bodies: Body[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly builtins: Record<string, Value> = {},
    private readonly fileRelative = false,
  ) {
    for (const body of bodies) {
      for (const a of body.attrs) this.globals.set(a.name, a);
      for (const b of body.blocks) this.add(b);
    }
    this.scope = {
      variable: (n) => this.variable(n),
      userFunction: (n) => this.userFunction(n),
      target: (n, p) => this.targetRef(n, p),
    };
  }

  private add(b: Block): void {
    switch (b.type) {
      case "variable": {
        const name = labelOf(b);
        const prev = this.vars.get(name);
        const attrs = new Map([...(prev?.attrs ?? []), ...attrMap(b.body)]);
        const validations = [
          ...(prev?.validations ?? []),
          ...b.body.blocks.filter((x) => x.type === "validation").map((x) => x.body),
        ];
        this.vars.set(name, { name, attrs, validations, pos: b.pos });
        return;
      }
      case "function":
        this.functions.set(labelOf(b), attrMap(b.body));
        return;
      case "target": {
        const name = labelOf(b);
        checkName(name, b.pos);
        this.targetBlocks.set(name, [...(this.targetBlocks.get(name) ?? []), b]);
        return;
      }
      case "group":
        this.groupBlocks.set(labelOf(b), [...(this.groupBlocks.get(labelOf(b)) ?? []), b]);
        return;
      default:
        throw hclError(
          b.pos,
          "Unsupported block type",
          `Blocks of type ${JSON.stringify(b.type)} are not expected here.`,
        );
    }
  }

  // --- variables -------------------------------------------------------------------------------

  variable(name: string): Value | undefined {
    if (this.varValues.has(name)) return this.varValues.get(name);
    const decl = this.vars.get(name);
    const global = this.globals.get(name);
    if (!decl && !global) return Object.hasOwn(this.builtins, name) ? this.builtins[name] : undefined;
    if (this.varStack.includes(name)) {
      const pos = (global ?? decl)?.pos as Pos;
      throw hclError(
        pos,
        "Variable cycle",
        `variable cycle not allowed for ${[...this.varStack, name].join(" -> ")}`,
      );
    }
    this.varStack.push(name);
    try {
      const v = this.computeVariable(name, decl, global);
      this.varValues.set(name, v);
      if (decl) this.validate(decl);
      return v;
    } finally {
      this.varStack.pop();
    }
  }

  private computeVariable(
    name: string,
    decl: VariableDecl | undefined,
    global: Attribute | undefined,
  ): Value {
    const envValue = this.env[name];
    if (decl && envValue !== undefined) {
      const type = decl.attrs.get("type");
      const def = decl.attrs.get("default");
      if (type) return this.fromEnv(name, envValue, typeString(type.expr), type.pos);
      const d = def ? evaluate(def.expr, this.scope) : "";
      return this.fromEnv(
        name,
        envValue,
        typeof d === "boolean" ? "bool" : typeof d === "number" ? "number" : "string",
        decl.pos,
      );
    }
    if (global) return evaluate(global.expr, this.scope);
    const def = decl?.attrs.get("default");
    if (!def) return decl?.attrs.has("type") ? null : "";
    const v = evaluate(def.expr, this.scope);
    const type = decl?.attrs.get("type");
    if (type && v !== null) checkType(v, typeString(type.expr), def.pos, name);
    return v;
  }

  /** An environment value read as the variable's type, as buildx reads it. */
  private fromEnv(name: string, text: string, type: string, pos: Pos): Value {
    const bad = (what: string) =>
      hclError(
        pos,
        "Invalid value for variable",
        `failed to parse ${name} as ${what}: ${JSON.stringify(text)}`,
      );
    if (type === "string" || type === "any") return text;
    if (type === "number") {
      if (text.trim() === "" || Number.isNaN(Number(text))) throw bad("number");
      return Number(text);
    }
    if (type === "bool") {
      if (["1", "t", "T", "true", "TRUE", "True"].includes(text)) return true;
      if (["0", "f", "F", "false", "FALSE", "False"].includes(text)) return false;
      throw bad("bool");
    }
    // list, map, object, tuple: an HCL (or JSON) expression.
    const v = evaluate(parseExpression(text, `${name} (environment)`), this.scope);
    checkType(v, type, pos, name);
    return v;
  }

  private validate(decl: VariableDecl): void {
    for (const body of decl.validations) {
      const m = attrMap(body);
      const cond = m.get("condition");
      if (!cond) continue;
      const ok = evaluate(cond.expr, this.scope);
      if (ok === true || ok === "true") continue;
      const msg = m.get("error_message");
      const text = msg
        ? str(evaluate(msg.expr, this.scope))
        : `The value of ${decl.name} failed its validation condition.`;
      throw hclError(cond.pos, "Invalid value for variable", text);
    }
  }

  /** The variables of the file, each with its value and description (`--list variables`). */
  variables(): VariableInfo[] {
    return [...this.vars.values()].map((d) => {
      const desc = d.attrs.get("description");
      return {
        name: d.name,
        value: this.variable(d.name) as Value,
        ...(desc ? { description: str(evaluate(desc.expr, this.scope)) } : {}),
      };
    });
  }

  // --- functions -------------------------------------------------------------------------------

  private userFunction(name: string): ((args: Value[], pos: Pos) => Value) | undefined {
    const f = this.functions.get(name);
    if (!f) return undefined;
    return (args, pos) => {
      const params = paramNames(f.get("params"));
      const variadic = f.get("variadic_param");
      const vname = variadic
        ? (paramNames(variadic)[0] ?? (variadic.expr.k === "var" ? variadic.expr.name : undefined))
        : undefined;
      if (args.length < params.length || (!vname && args.length > params.length))
        throw hclError(
          pos,
          "Invalid function call",
          `Function ${JSON.stringify(name)} expects ${params.length} argument(s); ${args.length} given.`,
        );
      const vars: Record<string, Value> = {};
      params.forEach((p, i) => {
        vars[p] = args[i] as Value;
      });
      if (vname) vars[vname] = args.slice(params.length);
      const result = f.get("result");
      if (!result) throw hclError(pos, "Invalid function", `Function ${JSON.stringify(name)} has no result.`);
      return evaluate(result.expr, withVars(this.scope, vars));
    };
  }

  // --- targets ---------------------------------------------------------------------------------

  /** Every target name (matrix targets by their generated names) and group name, sorted. */
  names(): { targets: string[]; groups: string[] } {
    const targets: string[] = [];
    const groups = new Set(this.groupBlocks.keys());
    for (const n of this.targetBlocks.keys()) {
      const m = this.instances(n);
      if (this.isMatrix(n)) groups.add(n);
      targets.push(...m.keys());
    }
    return { targets: [...new Set(targets)].sort(), groups: [...groups].sort() };
  }

  group(name: string): Group | undefined {
    const blocks = this.groupBlocks.get(name);
    if (blocks) {
      const g: Group = { targets: [] };
      for (const b of blocks) {
        for (const a of b.body.attrs) {
          const v = evaluate(a.expr, this.scope);
          if (a.name === "targets") {
            if (!Array.isArray(v))
              throw hclError(a.pos, "Incorrect attribute value type", "list of string required.");
            g.targets = [
              ...new Set([...g.targets, ...v.filter((x) => x !== null && x !== "").map((x) => str(x))]),
            ];
          } else if (a.name === "description") g.description = str(v);
          else
            throw hclError(
              a.pos,
              "Unsupported argument",
              `An argument named ${JSON.stringify(a.name)} is not expected here.`,
            );
        }
      }
      return g;
    }
    if (this.targetBlocks.has(name) && this.isMatrix(name))
      return { targets: [...this.instances(name).keys()] };
    return undefined;
  }

  private isMatrix(name: string): boolean {
    return (this.targetBlocks.get(name) ?? []).some((b) => b.body.attrs.some((a) => a.name === "matrix"));
  }

  /** A target as other targets see it (`target.NAME.ATTR`): its resolved attributes. */
  private targetRef(name: string, pos: Pos): Value | undefined {
    if (!this.targetBlocks.has(name)) return undefined;
    const t = this.resolve(name, pos);
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(t)) out[k] = v as Value;
    return out;
  }

  /** The instances of a target block name: one, or one per matrix combination (by generated name). */
  private instances(name: string): Map<string, Target & { inherits?: string[] }> {
    const done = this.resolved.get(name);
    if (done) return done as Map<string, Target & { inherits?: string[] }>;
    const blocks = this.targetBlocks.get(name) as Block[];
    if (this.resolving.includes(name)) {
      const pos = (blocks[0] as Block).pos;
      throw hclError(
        pos,
        "Invalid reference",
        `target cycle not allowed for ${[...this.resolving, name].join(" -> ")}`,
      );
    }
    this.resolving.push(name);
    try {
      const out = new Map<string, Target & { inherits?: string[] }>();
      const matrixAttr = blocks.flatMap((b) => b.body.attrs.filter((a) => a.name === "matrix")).at(-1);
      const combos = matrixAttr
        ? matrixCombos(evaluate(matrixAttr.expr, this.scope), matrixAttr.pos)
        : [undefined];
      for (const combo of combos) {
        const scope = combo ? withVars(this.scope, combo) : this.scope;
        let t: Target & { inherits?: string[] } = {};
        let instance = name;
        for (const b of blocks) {
          const own: Target & { inherits?: string[] } = {};
          for (const a of b.body.attrs) {
            if (a.name === "matrix") continue;
            const v = evaluate(a.expr, scope);
            if (a.name === "name") {
              instance = str(v);
              checkName(instance, a.pos);
            } else if (a.name === "inherits") {
              if (v !== null) own.inherits = (Array.isArray(v) ? v : [v]).map((x) => str(x));
            } else setAttribute(own, a.name, v, a.pos);
          }
          if (this.fileRelative) rebase(own, b.pos.file);
          if (b.body.blocks.length)
            throw hclError(
              (b.body.blocks[0] as Block).pos,
              "Unsupported block type",
              "Blocks are not expected in a target.",
            );
          const inherits = [...(t.inherits ?? []), ...(own.inherits ?? [])];
          t = { ...mergeTargets(t, own), ...(inherits.length ? { inherits } : {}) };
        }
        if (this.fileRelative && t.context === undefined) {
          const dir = dirname((blocks[0] as Block).pos.file);
          if (dir !== ".") t.context = dir;
        }
        if (combo && instance === name && combos.length > 1)
          throw hclError(
            blocks[0]?.pos as Pos,
            "Invalid target name",
            `matrix target ${JSON.stringify(name)} requires a name attribute that differs per combination`,
          );
        if (out.has(instance))
          throw hclError(
            blocks[0]?.pos as Pos,
            "Duplicate target",
            `matrix target names must be unique: ${JSON.stringify(instance)}`,
          );
        out.set(instance, t);
      }
      this.resolved.set(name, out);
      return out;
    } finally {
      this.resolving.pop();
    }
  }

  /** A target (a block name or a matrix instance's name) with what it inherits applied. */
  resolve(name: string, pos?: Pos, stack: string[] = []): Target {
    const found = this.find(name);
    if (!found) {
      if (pos) throw hclError(pos, "Invalid reference", `failed to find target ${name}`);
      throw new WharfError("not-found", `failed to find target ${name}`, {
        hint: "name a target or group of the bake file (--list targets)",
      });
    }
    if (stack.includes(name))
      throw new WharfError(
        "invalid-argument",
        `target ${name} inherits itself: ${[...stack, name].join(" -> ")}`,
      );
    const { inherits, ...own } = found;
    let base: Target = {};
    for (const parent of inherits ?? [])
      base = mergeTargets(base, this.resolve(parent, undefined, [...stack, name]));
    return mergeTargets(base, own);
  }

  private find(name: string): (Target & { inherits?: string[] }) | undefined {
    if (this.targetBlocks.has(name)) {
      const m = this.instances(name);
      if (!this.isMatrix(name)) return m.get(name);
    }
    for (const block of this.targetBlocks.keys()) {
      if (!this.isMatrix(block)) continue;
      const t = this.instances(block).get(name);
      if (t) return t;
    }
    return undefined;
  }

  hasTarget(name: string): boolean {
    return this.find(name) !== undefined;
  }

  /**
   * The targets `names` name, groups (and matrix targets) expanded depth first, each once, in
   * order; a group takes precedence over a target of its name. Unknown: `failed to find target X`.
   */
  expand(names: string[]): Expansion {
    const out: Expansion = { targets: [], groups: new Map() };
    const visit = (n: string, stack: string[]) => {
      const g =
        this.groupBlocks.has(n) || (this.targetBlocks.has(n) && this.isMatrix(n)) ? this.group(n) : undefined;
      if (g) {
        if (stack.includes(n)) return;
        out.groups.set(n, g);
        for (const t of g.targets) visit(t, [...stack, n]);
        return;
      }
      if (!this.hasTarget(n))
        throw new WharfError("not-found", `failed to find target ${n}`, {
          hint: "name a target or group of the bake file (--list targets)",
        });
      if (!out.targets.includes(n)) out.targets.push(n);
    };
    for (const n of names) visit(n, []);
    return out;
  }
}

/** A block's local `context` and `contexts` made relative to its file's directory (`fileRelative`). */
function rebase(t: Target, file: string): void {
  const dir = dirname(file);
  if (dir === ".") return;
  const local = (v: string) => isLocalPath(v) && !isAbsolute(v);
  if (t.context !== undefined && local(t.context)) t.context = join(dir, t.context);
  if (t.contexts)
    t.contexts = Object.fromEntries(
      Object.entries(t.contexts).map(([k, v]) => [k, local(v) ? join(dir, v) : v]),
    );
}

/** A variable's `type` expression as text: `string`, `number`, `bool`, `list(string)`, `map(...)`. */
function typeString(e: Expr): string {
  if (e.k === "var") return e.name;
  if (e.k === "call") return `${e.name}(${e.args.map(typeString).join(",")})`;
  if (e.k === "object") return "object";
  if (e.k === "tuple") return "tuple";
  throw hclError(
    e.pos,
    "Invalid type specification",
    "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).",
  );
}

function checkType(v: Value, type: string, pos: Pos, name: string): void {
  const bad = () => hclError(pos, "Invalid value for variable", `The value of ${name} is not a ${type}.`);
  const base = type.replace(/\(.*$/, "");
  if (base === "any") return;
  if (base === "string" && typeof v !== "string") {
    if (typeof v === "number" || typeof v === "boolean") return;
    throw bad();
  }
  if (base === "number" && typeof v !== "number") throw bad();
  if (base === "bool" && typeof v !== "boolean") throw bad();
  if (["list", "set", "tuple"].includes(base) && !Array.isArray(v)) throw bad();
  if (["map", "object"].includes(base) && (v === null || typeof v !== "object" || Array.isArray(v)))
    throw bad();
}

function paramNames(a: Attribute | undefined): string[] {
  if (!a) return [];
  const e = a.expr;
  if (e.k === "tuple")
    return e.items.map((x) => {
      if (x.k !== "var") throw hclError(x.pos, "Invalid parameter", "A function parameter must be a name.");
      return x.name;
    });
  if (e.k === "var") return [e.name];
  throw hclError(a.pos, "Invalid params", "params must be a list of names.");
}

/** The matrix's combinations, first key outermost (buildx's order). */
function matrixCombos(v: Value, pos: Pos): Record<string, Value>[] {
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw hclError(pos, "Invalid matrix", "matrix must be a map of lists.");
  let combos: Record<string, Value>[] = [{}];
  for (const [k, vals] of Object.entries(v)) {
    if (!Array.isArray(vals))
      throw hclError(pos, "Invalid matrix", `matrix values for ${JSON.stringify(k)} must be a list.`);
    combos = combos.flatMap((c) => vals.map((x) => ({ ...c, [k]: x })));
  }
  return combos;
}

/** A variable's value as `--list variables` shows it. */
export function displayValue(v: Value): string {
  if (v === null) return "<null>";
  if (typeof v === "string") return v;
  if (typeof v === "number") return numberString(v);
  if (typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/** HCL expressions evaluated to plain values against a scope of variables and functions. */
import { bool, equal, FUNCTIONS, FunctionError, num, str, typeName } from "./functions.js";
import { type Expr, hclError, type Pos, SPLAT, type TemplatePart, type Value } from "./hcl.js";

export interface Scope {
  /** A variable's value; undefined when there is none of that name. */
  variable(name: string): Value | undefined;
  /** A user function (`function` block) by name. */
  userFunction(name: string): ((args: Value[], pos: Pos) => Value) | undefined;
  /** `target.NAME` as an object of the target's attributes; undefined when there is no such target. */
  target(name: string, pos: Pos): Value | undefined;
}

/** A scope with `vars` in front of `outer` (matrix values, function parameters, `for` variables). */
export function withVars(outer: Scope, vars: Record<string, Value>): Scope {
  return {
    variable: (n) => (Object.hasOwn(vars, n) ? vars[n] : outer.variable(n)),
    userFunction: (n) => outer.userFunction(n),
    target: (n, p) => outer.target(n, p),
  };
}

function wrap<T>(pos: Pos, summary: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof FunctionError) throw hclError(pos, summary, e.message);
    throw e;
  }
}

function isObject(v: Value): v is Record<string, Value> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function evaluate(e: Expr, scope: Scope): Value {
  switch (e.k) {
    case "lit":
      return e.v;
    case "tmpl": {
      // A template of one interpolation is that value, unconverted (HCL's rule).
      const only = e.parts[0];
      if (e.parts.length === 1 && typeof only !== "string" && only?.k !== "tif" && only?.k !== "tfor")
        return evaluate(only as Expr, scope);
      return renderTemplate(e.parts, scope);
    }
    case "var": {
      const v = scope.variable(e.name);
      if (v === undefined)
        throw hclError(e.pos, "Unknown variable", `There is no variable named ${JSON.stringify(e.name)}.`);
      return v;
    }
    case "get": {
      if (e.obj.k === "var" && e.obj.name === "target" && scope.variable("target") === undefined) {
        const t = scope.target(e.key, e.pos);
        if (t === undefined)
          throw hclError(
            e.pos,
            "Unsupported attribute",
            `This object does not have an attribute named ${JSON.stringify(e.key)}.`,
          );
        return t;
      }
      const o = evaluate(e.obj, scope);
      if (Array.isArray(o) && /^\d+$/.test(e.key)) return index(o, Number(e.key), e.pos);
      if (!isObject(o))
        throw hclError(
          e.pos,
          "Unsupported attribute",
          `Can't access attributes on a primitive-typed value (${typeName(o)}).`,
        );
      if (!Object.hasOwn(o, e.key))
        throw hclError(
          e.pos,
          "Unsupported attribute",
          `This object does not have an attribute named ${JSON.stringify(e.key)}.`,
        );
      return o[e.key] as Value;
    }
    case "index": {
      const o = evaluate(e.obj, scope);
      const k = evaluate(e.idx, scope);
      if (Array.isArray(o))
        return index(
          o,
          wrap(e.pos, "Invalid index", () => num(k)),
          e.pos,
        );
      if (isObject(o)) {
        const key = wrap(e.pos, "Invalid index", () => str(k));
        if (!Object.hasOwn(o, key))
          throw hclError(
            e.pos,
            "Invalid index",
            `The given key does not identify an element in this collection value.`,
          );
        return o[key] as Value;
      }
      throw hclError(e.pos, "Invalid index", `This value does not have any indices.`);
    }
    case "call": {
      // try and can take their arguments unevaluated: an argument's error is their answer.
      if ((e.name === "try" || e.name === "can") && !scope.userFunction(e.name)) return tryCan(e, scope);
      let args = e.args.map((a) => evaluate(a, scope));
      if (e.expand) {
        const last = args.pop();
        if (!Array.isArray(last))
          throw hclError(
            e.pos,
            "Invalid expanding argument value",
            "The expanding argument (indicated by ...) must be of a tuple or list type.",
          );
        args = [...args, ...last];
      }
      const user = scope.userFunction(e.name);
      if (user) return user(args, e.pos);
      const f = FUNCTIONS[e.name];
      if (!f)
        throw hclError(
          e.pos,
          "Call to unknown function",
          `There is no function named ${JSON.stringify(e.name)}.`,
        );
      return wrap(e.pos, "Error in function call", () => {
        try {
          return f(...args);
        } catch (err) {
          if (err instanceof FunctionError)
            throw new FunctionError(`Call to function ${JSON.stringify(e.name)} failed: ${err.message}`);
          if (err instanceof SyntaxError || err instanceof RangeError)
            throw new FunctionError(`Call to function ${JSON.stringify(e.name)} failed: ${err.message}`);
          throw err;
        }
      });
    }
    case "tuple":
      return e.items.map((x) => evaluate(x, scope));
    case "object": {
      const out: Record<string, Value> = {};
      for (const { key, value } of e.items) {
        const k =
          key.k === "var" ? key.name : wrap(key.pos, "Invalid object key", () => str(evaluate(key, scope)));
        out[k] = evaluate(value, scope);
      }
      return out;
    }
    case "unary": {
      const v = evaluate(e.x, scope);
      return wrap(e.pos, "Invalid operand", () => (e.op === "!" ? !bool(v) : -num(v)));
    }
    case "binary":
      return binary(e, scope);
    case "cond": {
      const c = evaluate(e.c, scope);
      return wrap(e.c.pos, "Incorrect condition type", () => bool(c))
        ? evaluate(e.t, scope)
        : evaluate(e.f, scope);
    }
    case "for":
      return forExpr(e, scope);
    case "splat": {
      const src = evaluate(e.src, scope);
      // HCL: null is an empty list, a single value a one-element list.
      const items = src === null ? [] : Array.isArray(src) ? src : [src];
      return items.map((x) => evaluate(e.each, withVars(scope, { [SPLAT]: x })));
    }
  }
}

function tryCan(e: Extract<Expr, { k: "call" }>, scope: Scope): Value {
  if (e.name === "can" && e.args.length !== 1)
    throw hclError(e.pos, "Invalid function call", 'Function "can" expects 1 argument.');
  for (const a of e.args) {
    try {
      const v = evaluate(a, scope);
      if (e.name === "can") return true;
      return v;
    } catch (err) {
      if (!(err instanceof Error && /^.+:\d+,\d+-\d+: /.test(err.message))) throw err;
      if (e.name === "can") return false;
    }
  }
  throw hclError(e.pos, "Error in function call", 'Call to function "try" failed: no expression succeeded.');
}

/** A template's text: literals, interpolations (never null), `%{if}` and `%{for}` directives. */
function renderTemplate(parts: TemplatePart[], scope: Scope): string {
  let out = "";
  for (const p of parts) {
    if (typeof p === "string") {
      out += p;
      continue;
    }
    if (p.k === "tif") {
      const c = evaluate(p.cond, scope);
      out += renderTemplate(wrap(p.cond.pos, "Invalid 'if' condition", () => bool(c)) ? p.yes : p.no, scope);
      continue;
    }
    if (p.k === "tfor") {
      const entries = iteration(evaluate(p.coll, scope), p.coll.pos, "be iterated");
      for (const [k, v] of entries)
        out += renderTemplate(
          p.body,
          withVars(scope, { ...(p.keyVar ? { [p.keyVar]: k } : {}), [p.valVar]: v }),
        );
      continue;
    }
    const v = evaluate(p, scope);
    if (v === null)
      throw hclError(
        p.pos,
        "Invalid template interpolation value",
        "The expression result is null. Cannot include a null value in a string template.",
      );
    out += wrap(p.pos, "Invalid template interpolation value", () => str(v, "template interpolation"));
  }
  return out;
}

function index(a: Value[], i: number, pos: Pos): Value {
  if (!Number.isInteger(i) || i < 0 || i >= a.length)
    throw hclError(
      pos,
      "Invalid index",
      "The given key does not identify an element in this collection value.",
    );
  return a[i] as Value;
}

function binary(e: Extract<Expr, { k: "binary" }>, scope: Scope): Value {
  const a = evaluate(e.a, scope);
  if (e.op === "&&" || e.op === "||") {
    const l = wrap(e.a.pos, "Invalid operand", () => bool(a));
    if (e.op === "&&" && !l) return false;
    if (e.op === "||" && l) return true;
    return wrap(e.b.pos, "Invalid operand", () => bool(evaluate(e.b, scope)));
  }
  const b = evaluate(e.b, scope);
  return wrap(e.pos, "Invalid operand", () => {
    switch (e.op) {
      case "==":
        return equal(a, b);
      case "!=":
        return !equal(a, b);
      case "<":
        return num(a) < num(b);
      case ">":
        return num(a) > num(b);
      case "<=":
        return num(a) <= num(b);
      case ">=":
        return num(a) >= num(b);
      case "+":
        return num(a) + num(b);
      case "-":
        return num(a) - num(b);
      case "*":
        return num(a) * num(b);
      case "/":
        return num(a) / num(b);
      default:
        return num(a) % num(b);
    }
  });
}

/** The key/value pairs a `for` (or `%{for}`) goes over: a tuple's by index, an object's by sorted key. */
function iteration(coll: Value, pos: Parameters<typeof hclError>[0], cannot: string): [Value, Value][] {
  if (Array.isArray(coll)) return coll.map((v, i) => [i, v]);
  if (isObject(coll))
    return Object.keys(coll)
      .sort()
      .map((k) => [k, coll[k] as Value]);
  throw hclError(
    pos,
    "Iteration over non-iterable value",
    `A value of type ${typeName(coll)} cannot ${cannot}.`,
  );
}

function forExpr(e: Extract<Expr, { k: "for" }>, scope: Scope): Value {
  const entries = iteration(
    evaluate(e.coll, scope),
    e.coll.pos,
    "be used as the collection in a 'for' expression",
  );
  const tuple: Value[] = [];
  const obj: Record<string, Value> = {};
  for (const [k, v] of entries) {
    const inner = withVars(scope, { ...(e.keyVar ? { [e.keyVar]: k } : {}), [e.valVar]: v });
    if (e.cond && !wrap(e.cond.pos, "Invalid 'for' condition", () => bool(evaluate(e.cond as Expr, inner))))
      continue;
    if (!e.obj) {
      tuple.push(evaluate(e.val, inner));
      continue;
    }
    const key = wrap(e.pos, "Invalid object key", () => str(evaluate(e.key as Expr, inner)));
    const val = evaluate(e.val, inner);
    if (e.group) obj[key] = [...((obj[key] as Value[] | undefined) ?? []), val];
    else if (Object.hasOwn(obj, key))
      throw hclError(
        e.pos,
        "Duplicate object key",
        `Two different items produced the key ${JSON.stringify(key)} in this 'for' expression.`,
      );
    else obj[key] = val;
  }
  return e.obj ? obj : tuple;
}

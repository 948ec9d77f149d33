import { goType, printValue, type Value } from "../gofmt.js";
import type { Arg, Command, Node, Pipe, Template } from "./ast.js";

/** A function a template may call: `arity` as [min, max] (max Infinity for variadic). */
export interface TemplateFunc {
  arity: [number, number];
  fn: (...args: Value[]) => Value;
}

/** Thrown by functions for an argument of the wrong type; shown without "error calling". */
export class ArgTypeError extends Error {}

const STRUCT = Symbol("wharf.goStruct");

/**
 * Marks an object as a Go struct named `type`: asking it for a field it lacks is an error (as with
 * Docker's formatting contexts) instead of `<no value>` (as with maps and JSON objects).
 */
export function goStruct<T extends object>(type: string, obj: T): T {
  Object.defineProperty(obj, STRUCT, { value: type, enumerable: false });
  return obj;
}

function structName(v: object): string | undefined {
  return (v as { [STRUCT]?: string })[STRUCT];
}

/** Go's truth: false, 0, nil, no value, and empty strings, lists and maps are false. */
export function isTrue(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (typeof v === "object" && structName(v) === undefined) return Object.keys(v).length > 0;
  return true;
}

const NONE = Symbol("none");
type Final = Value | typeof NONE;
class Break {}
class Continue {}

function lineCol(src: string, pos: number): string {
  const before = src.slice(0, pos);
  const nl = before.lastIndexOf("\n");
  return `${before.split("\n").length}:${nl === -1 ? pos : pos - nl - 1}`;
}

/** Looks a field up on a value as Go's evalField does for maps, structs and invalid values. */
function field(receiver: Value, name: string): Value {
  if (receiver === undefined) return undefined;
  if (receiver === null) throw new Error(`nil pointer evaluating interface {}.${name}`);
  if (receiver instanceof Map) return receiver.get(name);
  if (typeof receiver === "object" && !Array.isArray(receiver)) {
    const type = structName(receiver);
    if (type !== undefined) {
      if (name in receiver) return (receiver as Record<string, Value>)[name];
      throw new Error(`can't evaluate field ${name} in type ${type}`);
    }
    return Object.hasOwn(receiver, name) ? (receiver as Record<string, Value>)[name] : undefined;
  }
  throw new Error(`can't evaluate field ${name} in type ${goType(receiver)}`);
}

/** Runs a parsed template against `data`; returns the text. Errors read as Go's execution errors. */
export function execute(tmpl: Template, data: Value, funcs: Readonly<Record<string, TemplateFunc>>): string {
  let out = "";
  const vars: { name: string; value: Value }[] = [{ name: "$", value: data }];
  let at: { pos: number; src: string } = { pos: 0, src: "" };

  const fail = (message: string): never => {
    throw new Error(`template: :${lineCol(tmpl.source, at.pos)}: executing "" at <${at.src}>: ${message}`);
  };
  const guard = <T>(where: { pos: number; src: string }, f: () => T): T => {
    at = where;
    try {
      return f();
    } catch (e) {
      if (
        e instanceof Break ||
        e instanceof Continue ||
        (e instanceof Error && e.message.startsWith("template: "))
      ) {
        throw e;
      }
      at = where;
      return fail(e instanceof Error ? e.message : String(e));
    }
  };
  const lookupVar = (name: string): Value => {
    for (let k = vars.length - 1; k >= 0; k--) if (vars[k]?.name === name) return vars[k]?.value;
    return fail(`undefined variable: ${name}`);
  };
  const setVar = (name: string, value: Value) => {
    for (let k = vars.length - 1; k >= 0; k--) {
      const v = vars[k];
      if (v?.name === name) {
        v.value = value;
        return;
      }
    }
  };

  const chain = (receiver: Value, names: string[], where: Arg, hasArgs: boolean): Value =>
    guard(where, () => {
      let v = receiver;
      names.forEach((n, k) => {
        if (k === names.length - 1 && hasArgs)
          throw new Error(`${n} has arguments but cannot be invoked as function`);
        v = field(v, n);
      });
      return v;
    });

  const evalArg = (dot: Value, arg: Arg): Value => {
    switch (arg.type) {
      case "dot":
        return dot;
      case "nil":
        return null;
      case "bool":
      case "number":
      case "string":
        return arg.value;
      case "field":
        return chain(dot, arg.names, arg, false);
      case "variable":
        return chain(
          guard(arg, () => lookupVar(arg.name)),
          arg.names,
          arg,
          false,
        );
      case "chain":
        return chain(evalArg(dot, arg.node), arg.names, arg, false);
      case "pipe":
        return evalPipeline(dot, arg.pipe);
      case "identifier":
        return call(dot, arg, [], NONE);
    }
  };

  const call = (dot: Value, fnArg: Arg & { type: "identifier" }, rest: Arg[], final: Final): Value => {
    const name = fnArg.name;
    const f = funcs[name];
    if (!f) return guard(fnArg, () => fail(`"${name}" is not a defined function`));
    const count = rest.length + (final === NONE ? 0 : 1);
    const [min, max] = f.arity;
    if (count < min || count > max) {
      return guard(fnArg, () =>
        fail(`wrong number of args for ${name}: want ${min === max ? min : `at least ${min}`} got ${count}`),
      );
    }
    if (name === "and" || name === "or") {
      let v: Value;
      const all = [...rest.map((a) => () => evalArg(dot, a)), ...(final === NONE ? [] : [() => final])];
      for (const get of all) {
        v = get();
        if (isTrue(v) !== (name === "and")) return v;
      }
      return v;
    }
    const args = rest.map((a) => evalArg(dot, a));
    if (final !== NONE) args.push(final);
    at = fnArg;
    try {
      return f.fn(...args);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      return fail(e instanceof ArgTypeError ? msg : `error calling ${name}: ${msg}`);
    }
  };

  const evalCommand = (dot: Value, cmd: Command, final: Final): Value => {
    const [first, ...rest] = cmd.args as [Arg, ...Arg[]];
    const hasArgs = rest.length > 0 || final !== NONE;
    switch (first.type) {
      case "field":
        return chain(dot, first.names, first, hasArgs);
      case "chain":
        return chain(evalArg(dot, first.node), first.names, first, hasArgs);
      case "variable":
        return chain(
          guard(first, () => lookupVar(first.name)),
          first.names,
          first,
          hasArgs,
        );
      case "identifier":
        return call(dot, first, rest, final);
      default:
        if (hasArgs) return guard(first, () => fail(`can't give argument to non-function ${first.src}`));
        return evalArg(dot, first);
    }
  };

  function evalPipeline(dot: Value, pipe: Pipe, declare = true): Value {
    let value: Final = NONE;
    for (const cmd of pipe.cmds) value = evalCommand(dot, cmd, value);
    const v = value === NONE ? undefined : value;
    if (declare) {
      for (const name of pipe.decl) {
        if (pipe.assign) setVar(name, v);
        else vars.push({ name, value: v });
      }
    }
    return v;
  }

  const walkList = (dot: Value, list: Node[] | undefined) => {
    const mark = vars.length;
    try {
      for (const n of list ?? []) walk(dot, n);
    } finally {
      vars.length = mark;
    }
  };

  const walkRange = (dot: Value, node: { pos: number; pipe: Pipe; list: Node[]; elseList?: Node[] }) => {
    const v = evalPipeline(dot, node.pipe, false);
    const items: [Value, Value][] = [];
    if (Array.isArray(v)) {
      for (const [k, e] of v.entries()) items.push([k, e]);
    } else if (v instanceof Map) {
      for (const k of [...v.keys()].sort()) items.push([k, v.get(k)]);
    } else if (typeof v === "number" && Number.isInteger(v)) {
      for (let k = 0; k < v; k++) items.push([k, k]);
    } else if (v !== null && typeof v === "object") {
      for (const k of Object.keys(v).sort()) items.push([k, (v as Record<string, Value>)[k]]);
    } else if (v !== undefined && v !== null) {
      guard(node.pipe.cmds[0]?.args[0] ?? { pos: node.pos, src: "" }, () =>
        fail(`range can't iterate over ${printValue(v)}`),
      );
    }
    if (items.length === 0) return walkList(dot, node.elseList);
    const { decl, assign } = node.pipe;
    for (const [index, elem] of items) {
      const mark = vars.length;
      if (decl.length === 1) {
        if (assign) setVar(decl[0] as string, elem);
        else vars.push({ name: decl[0] as string, value: elem });
      } else if (decl.length === 2) {
        if (assign) {
          setVar(decl[0] as string, index);
          setVar(decl[1] as string, elem);
        } else vars.push({ name: decl[0] as string, value: index }, { name: decl[1] as string, value: elem });
      }
      try {
        walkList(elem, node.list);
      } catch (e) {
        if (e instanceof Break) break;
        if (!(e instanceof Continue)) throw e;
      } finally {
        vars.length = mark;
      }
    }
  };

  function walk(dot: Value, node: Node): void {
    switch (node.type) {
      case "text":
        out += node.text;
        return;
      case "action": {
        const v = evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) out += printValue(v);
        return;
      }
      case "if":
      case "with": {
        const mark = vars.length;
        try {
          const v = evalPipeline(dot, node.pipe);
          if (isTrue(v)) walkList(node.type === "with" ? v : dot, node.list);
          else walkList(dot, node.elseList);
        } finally {
          vars.length = mark;
        }
        return;
      }
      case "range": {
        const mark = vars.length;
        try {
          walkRange(dot, node);
        } finally {
          vars.length = mark;
        }
        return;
      }
      case "break":
        throw new Break();
      case "continue":
        throw new Continue();
    }
  }

  for (const n of tmpl.nodes) walk(data, n);
  return out;
}

import { PLATFORM_ARGS } from "../args.js";
import { expandInstruction, expandWord } from "../expand.js";
import type { Lookup } from "../lexer.js";
import type { Dockerfile, FromInstruction, Instruction, Stage } from "../types.js";
import { type Finding, finding } from "./types.js";

/** The variable names a word (or an instruction's expanded words) asks for, with the values `lookup` gives. */
function references(run: (lookup: Lookup) => void, lookup: Lookup): string[] {
  const asked: string[] = [];
  try {
    run((name) => {
      const v = lookup(name);
      if (v === undefined && !asked.includes(name)) asked.push(name);
      return v;
    });
  } catch {
    // A `${X:?msg}` on an unset X: the names asked before it are still reported.
  }
  return asked;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + cost);
      prev = tmp;
    }
  }
  return row[b.length] as number;
}

/** The closest defined name (a case-only difference first, else at most 2 edits), as a "did you mean". */
export function suggest(name: string, defined: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const d of defined) {
    if (d.toLowerCase() === name.toLowerCase()) return d;
    const dist = distance(name, d);
    if (dist <= 2 && dist < name.length && dist < bestD) {
      best = d;
      bestD = dist;
    }
  }
  return best;
}

/** A loose distribution-reference check: what an ARG default must give to be an image name. */
const REFERENCE =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[a-z0-9]+:[a-f0-9]{32,})?$/;
const HOST = /^[a-zA-Z0-9.-]+(?::[0-9]+)?\//;
const validImage = (s: string): boolean => {
  const host = HOST.exec(s);
  if (host && (host[0].includes(".") || host[0].includes(":") || host[0] === "localhost/")) {
    return REFERENCE.test(`x/${s.slice(host[0].length)}`);
  }
  return REFERENCE.test(s);
};

/** UndefinedArgInFrom and InvalidDefaultArgInFrom: FROM lines against the global ARGs. */
export function fromArgRules(df: Dockerfile): Finding[] {
  const defaults = new Map<string, string | undefined>();
  for (const inst of df.globalArgs) {
    for (const a of inst.args) {
      defaults.set(
        a.name,
        a.default === undefined
          ? undefined
          : expandWord(a.default, (n) => defaults.get(n), { escape: df.escape }),
      );
    }
  }
  const declared = [...defaults.keys(), ...PLATFORM_ARGS];
  const out: Finding[] = [];
  for (const stage of df.stages) {
    const from: FromInstruction = stage.from;
    const [line, end] = [from.location.startLine, from.location.endLine];
    const words = [from.image, ...(from.platform === undefined ? [] : [from.platform])];
    for (const w of words) {
      for (const name of references(
        (l) => expandWord(w, l, { escape: df.escape }),
        (n) => (declared.includes(n) ? "" : undefined),
      )) {
        const s = suggest(name, declared);
        const msg = `FROM argument '${name}' is not declared${s ? ` (did you mean ${s}?)` : ""}`;
        out.push(finding("UndefinedArgInFrom", msg, line, end));
      }
    }
    if (from.image.includes("$")) {
      let image: string;
      try {
        image = expandWord(
          from.image,
          (n) => defaults.get(n) ?? ((PLATFORM_ARGS as readonly string[]).includes(n) ? "" : undefined),
          { escape: df.escape },
        );
      } catch {
        continue;
      }
      const isStage = df.stages.some((s) => s.index < stage.index && s.name === image.toLowerCase());
      if (image === "" || (!isStage && image !== "scratch" && !validImage(image))) {
        const msg = `Default value for ARG ${from.image} results in empty or invalid base image name`;
        out.push(finding("InvalidDefaultArgInFrom", msg, line, end));
      }
    }
  }
  return out;
}

export interface VarRuleOptions {
  /**
   * The environment variable names of a stage's base image (its config's `Env`), undefined when
   * unknown. A stage built FROM an image whose environment is unknown is not checked for UndefinedVar:
   * `$PATH` and the like come from there, and BuildKit checks against them.
   */
  baseEnv?: (stage: Stage) => string[] | undefined;
}

/** UndefinedVar: the words BuildKit expands, against the stage's ARGs and ENVs as they stand at each line. */
export function undefinedVarRule(df: Dockerfile, opts: VarRuleOptions = {}): Finding[] {
  const out: Finding[] = [];
  // A child stage inherits its parent's environment (the image config), not its ARGs.
  const finalEnv = new Map<number, Set<string>>();
  for (const stage of df.stages) {
    const parent = df.stages.find(
      (s) => s.index < stage.index && s.name !== undefined && s.name === stage.from.image.toLowerCase(),
    );
    let defined: Set<string> | undefined;
    if (parent) defined = new Set(finalEnv.get(parent.index) ?? []);
    // BuildKit gives scratch the default PATH.
    else if (stage.from.image === "scratch") defined = new Set(["PATH"]);
    else {
      const env = opts.baseEnv?.(stage);
      defined = env === undefined ? undefined : new Set(env);
    }
    const env = new Set(defined ?? []);
    const scope = new Set(env);
    for (const inst of stage.instructions) {
      if (defined !== undefined) out.push(...undefinedIn(inst, scope, df.escape));
      if (inst.kind === "ARG") for (const a of inst.args) scope.add(a.name);
      if (inst.kind === "ENV") {
        for (const p of inst.pairs) {
          scope.add(p.key);
          env.add(p.key);
        }
      }
    }
    finalEnv.set(stage.index, env);
  }
  return out;
}

function undefinedIn(inst: Instruction, scope: Set<string>, esc: "\\" | "`"): Finding[] {
  const lookup: Lookup = (n) => (scope.has(n) ? "" : undefined);
  let names: string[];
  if (inst.kind === "ARG") {
    const seen = new Set(scope);
    names = [];
    for (const a of inst.args) {
      if (a.default !== undefined) {
        names.push(
          ...references(
            (l) => expandWord(a.default as string, l, { escape: esc }),
            (n) => (seen.has(n) ? "" : undefined),
          ),
        );
      }
      seen.add(a.name);
    }
  } else {
    names = references((l) => expandInstruction(inst, l, { escape: esc }), lookup);
  }
  const [line, end] = [inst.location.startLine, inst.location.endLine];
  return [...new Set(names)].map((name) => {
    const s = suggest(name, scope);
    return finding(
      "UndefinedVar",
      `Usage of undefined variable '$${name}'${s ? ` (did you mean $${s}?)` : ""}`,
      line,
      end,
    );
  });
}

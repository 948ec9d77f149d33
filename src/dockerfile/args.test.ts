// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile text holds ${VAR} on purpose
import { describe, expect, it } from "vitest";
import {
  createArgScope,
  platformArgValues,
  resolveGlobalArgs,
  unconsumedBuildArgs,
  unconsumedWarning,
} from "./args.js";
import { expandInstruction } from "./expand.js";
import { parseDockerfile } from "./parse.js";
import type { ArgInstruction, Dockerfile, StageInstruction } from "./types.js";

const platform = platformArgValues(
  { os: "linux", architecture: "arm64", variant: "v8" },
  { os: "linux", architecture: "amd64" },
);

/** Steps the executor's way through stage `index`: ARG declares, ENV sets (expanded), then reads. */
function run(df: Dockerfile, index: number, buildArgs: Record<string, string> = {}) {
  const opts = { buildArgs: new Map(Object.entries(buildArgs)) };
  const globals = resolveGlobalArgs(df.globalArgs, { ...opts, platform });
  const scope = createArgScope(globals, opts);
  const stage = df.stages[index];
  if (!stage) throw new Error("no stage");
  const from = expandInstruction(stage.from, globals.lookup);
  const step = (inst: StageInstruction): void => {
    if (inst.kind === "ARG") scope.declare(inst);
    if (inst.kind === "ENV") {
      for (const p of expandInstruction(inst, scope.lookup).pairs) scope.setEnv(p.key, p.value);
    }
  };
  return { scope, globals, from, step, stage };
}

const parse = (text: string) => parseDockerfile(text, { file: "Dockerfile" });

describe("ARG scoping", () => {
  it("global ARGs reach FROM but not the stage until re-declared", () => {
    const df = parse("ARG V=3.19\nFROM alpine:$V\nRUN echo\nARG V\nFROM busybox");
    const { scope, from, step, stage } = run(df, 0);
    expect(from.image).toBe("alpine:3.19");
    expect(scope.lookup("V")).toBeUndefined();
    for (const i of stage.instructions) step(i);
    expect(scope.lookup("V")).toBe("3.19");
  });

  it("--build-arg overrides global and stage defaults; a stage default overrides the global value", () => {
    const df = parse("ARG V=1\nFROM a:$V\nARG V\nFROM b\nARG V=3");
    const a = run(df, 0, { V: "2" });
    expect(a.from.image).toBe("a:2");
    for (const i of a.stage.instructions) a.step(i);
    expect(a.scope.lookup("V")).toBe("2");
    const b = run(df, 1);
    for (const i of b.stage.instructions) b.step(i);
    expect(b.scope.lookup("V")).toBe("3");
    const c = run(df, 1, { V: "9" });
    for (const i of c.stage.instructions) c.step(i);
    expect(c.scope.lookup("V")).toBe("9");
  });

  it("a global ARG without a value leaves FROM to its default form", () => {
    const df = parse("ARG TAG\nFROM alpine:${TAG:-latest}");
    expect(run(df, 0).from.image).toBe("alpine:latest");
    expect(run(df, 0, { TAG: "3" }).from.image).toBe("alpine:3");
  });

  it("global ARGs see the ones before them; stage ARG defaults see earlier ARGs and ENVs", () => {
    const df = parse("ARG A=x B=${A}y\nFROM img:$B\nENV E=e\nARG C=$E-1 D=$C-2");
    const { scope, from, step, stage } = run(df, 0);
    expect(from.image).toBe("img:xy");
    for (const i of stage.instructions) step(i);
    expect(scope.lookup("C")).toBe("e-1");
    expect(scope.lookup("D")).toBe("e-1-2");
  });

  it("an ENV wins over an ARG of the same name, whichever comes first", () => {
    const envFirst = parse("FROM a\nENV X=env\nARG X=arg");
    const one = run(envFirst, 0, { X: "build" });
    for (const i of one.stage.instructions) one.step(i);
    expect(one.scope.lookup("X")).toBe("env");
    expect(one.scope.runEnv()).toEqual([]);
    const argFirst = parse("FROM a\nARG X=arg\nENV X=env-$X");
    const two = run(argFirst, 0);
    for (const i of two.stage.instructions) two.step(i);
    expect(two.scope.lookup("X")).toBe("env-arg");
    expect(two.scope.buildArgs()).toEqual([["X", "env-arg"]]);
  });

  it("ENV a=1 b=$a: b sees the old a", () => {
    const df = parse("FROM x\nENV a=old\nENV a=1 b=$a");
    const { scope, step, stage } = run(df, 0);
    for (const i of stage.instructions) step(i);
    expect([scope.lookup("a"), scope.lookup("b")]).toEqual(["1", "old"]);
  });

  it("platform ARGs are usable in FROM undeclared and inside a stage only once declared", () => {
    const df = parse("FROM --platform=$BUILDPLATFORM golang AS build\nARG TARGETARCH TARGETPLATFORM\nRUN x");
    const { scope, from, step, stage } = run(df, 0);
    expect(from.platform).toBe("linux/amd64");
    expect(scope.lookup("TARGETARCH")).toBeUndefined();
    for (const i of stage.instructions) step(i);
    expect(scope.lookup("TARGETARCH")).toBe("arm64");
    expect(scope.lookup("TARGETPLATFORM")).toBe("linux/arm64/v8");
    expect(run(df, 0, { BUILDPLATFORM: "linux/riscv64" }).from.platform).toBe("linux/riscv64");
  });

  it("proxy ARGs reach RUN undeclared but stay out of the history until declared", () => {
    const df = parse("FROM a\nARG V=1\nRUN x\nARG HTTP_PROXY");
    const { scope, step, stage } = run(df, 0, { HTTP_PROXY: "http://p:3128", no_proxy: "local" });
    step(stage.instructions[0] as StageInstruction);
    expect(scope.lookup("HTTP_PROXY")).toBeUndefined();
    expect(scope.runEnv()).toEqual([
      ["V", "1"],
      ["HTTP_PROXY", "http://p:3128"],
      ["no_proxy", "local"],
    ]);
    expect(scope.buildArgs()).toEqual([["V", "1"]]);
    step(stage.instructions[2] as StageInstruction);
    expect(scope.buildArgs()).toEqual([
      ["V", "1"],
      ["HTTP_PROXY", "http://p:3128"],
    ]);
  });

  it("a stage built FROM another starts from its state: values set, ARGs not re-declared", () => {
    const df = parse("FROM a AS base\nARG V=1\nENV E=2\nFROM base");
    const { scope, step, stage } = run(df, 0);
    for (const i of stage.instructions) step(i);
    const child = scope.fork();
    child.setEnv("E", "3");
    expect([child.lookup("V"), child.lookup("E"), scope.lookup("E")]).toEqual(["1", "3", "2"]);
    expect(child.runEnv()).toEqual([["V", "1"]]);
    expect(child.buildArgs()).toEqual([]);
    expect(child.declared().size).toBe(0);
  });

  it("an ARG with no value at all is declared but unset (empty in the history)", () => {
    const df = parse("FROM a\nARG NOPE");
    const { scope, step, stage } = run(df, 0);
    for (const i of stage.instructions) step(i);
    expect(scope.lookup("NOPE")).toBeUndefined();
    expect(scope.buildArgs()).toEqual([["NOPE", ""]]);
    expect(scope.runEnv()).toEqual([]);
  });

  it("a default that fails to expand names the line", () => {
    const df = parse("FROM a\nARG X=${Y:?need_Y}");
    const { step, stage } = run(df, 0);
    expect(() => step(stage.instructions[0] as ArgInstruction)).toThrow(
      'Dockerfile:2: failed to process "${Y:?need_Y}": Y: need_Y',
    );
    // ARG splits its words on blanks first, as BuildKit: "${Y:?need" and "Y}" are two words
    expect(() => parse("FROM a\nARG X=${Y:?need Y}")).toThrow("syntax error: missing '}'");
  });
});

describe("unconsumed build args", () => {
  it("reports build args no ARG declared, never the predefined ones, sorted", () => {
    const df = parse("ARG G\nFROM a\nARG S");
    const opts = { buildArgs: new Map<string, string>() };
    const globals = resolveGlobalArgs(df.globalArgs, opts);
    const scope = createArgScope(globals, opts);
    scope.declare(df.stages[0]?.instructions[0] as ArgInstruction);
    const given = ["ZED", "G", "S", "HTTP_PROXY", "TARGETARCH", "SOURCE_DATE_EPOCH", "ALPHA"];
    const names = unconsumedBuildArgs(given, [globals.declared, scope.declared()]);
    expect(names).toEqual(["ALPHA", "ZED"]);
    expect(unconsumedWarning(names)).toBe("[Warning] One or more build-args [ALPHA ZED] were not consumed");
  });
});

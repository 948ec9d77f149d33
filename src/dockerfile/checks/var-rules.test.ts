// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile text holds ${VAR} on purpose
import { describe, expect, it } from "vitest";
import { parseDockerfile } from "../parse.js";
import { runChecks } from "./index.js";

const check = (text: string, baseEnv?: string[]) =>
  runChecks(parseDockerfile(text, { file: "Dockerfile" }), baseEnv ? { baseEnv: () => baseEnv } : {}).map(
    (f) => ({ rule: f.rule, message: f.message, line: f.line }),
  );

describe("variable rules", () => {
  it("UndefinedArgInFrom: an undeclared name (with a suggestion); declared and platform ARGs pass", () => {
    expect(check("ARG VERSION=3\nFROM node:$VERSON\n")).toEqual([
      {
        rule: "UndefinedArgInFrom",
        message: "FROM argument 'VERSON' is not declared (did you mean VERSION?)",
        line: 2,
      },
      // "node:" is no image name either: BuildKit reports both.
      {
        rule: "InvalidDefaultArgInFrom",
        message: "Default value for ARG node:$VERSON results in empty or invalid base image name",
        line: 2,
      },
    ]);
    expect(check("FROM node:${NOPE:-20}\n")).toEqual([
      { rule: "UndefinedArgInFrom", message: "FROM argument 'NOPE' is not declared", line: 1 },
    ]);
    expect(check("ARG VERSION=3\nFROM --platform=$BUILDPLATFORM node:$VERSION\n")).toEqual([]);
  });

  it("InvalidDefaultArgInFrom: a default giving an empty or invalid image name", () => {
    expect(check("ARG TAG\nFROM busybox:${TAG}\n")).toEqual([
      {
        rule: "InvalidDefaultArgInFrom",
        message: "Default value for ARG busybox:${TAG} results in empty or invalid base image name",
        line: 2,
      },
    ]);
    expect(check("ARG IMAGE\nFROM $IMAGE\n")[0]?.rule).toBe("InvalidDefaultArgInFrom");
    expect(check("ARG TAG=latest\nFROM busybox:${TAG}\n")).toEqual([]);
    expect(check("ARG TAG\nFROM busybox:${TAG:-latest}\n")).toEqual([]);
  });

  it("UndefinedVar: a name no ARG, ENV or base ENV defines before the line, with a suggestion", () => {
    expect(check("FROM alpine AS base\nCOPY $foo .\n", ["PATH"])).toEqual([
      { rule: "UndefinedVar", message: "Usage of undefined variable '$foo'", line: 2 },
    ]);
    expect(check("FROM alpine\nENV PATH=$PAHT:/app/bin\n", ["PATH"])).toEqual([
      { rule: "UndefinedVar", message: "Usage of undefined variable '$PAHT' (did you mean $PATH?)", line: 2 },
    ]);
    expect(check("FROM alpine AS base\nARG foo\nCOPY $foo .\nENV A=1\nWORKDIR /$A\n", ["PATH"])).toEqual([]);
  });

  it("UndefinedVar: a later stage sees its parent stage's ENVs, not its ARGs; scratch defines PATH", () => {
    expect(check("FROM scratch AS a\nENV X=1\nARG Y=2\nFROM a\nWORKDIR /$X$PATH\nUSER $Y\n")).toEqual([
      { rule: "UndefinedVar", message: "Usage of undefined variable '$Y'", line: 6 },
    ]);
  });

  it("UndefinedVar is not reported for an image stage whose base environment is unknown", () => {
    expect(check("FROM alpine\nENV PATH=$PATH:/x\n")).toEqual([]);
  });

  it("UndefinedVar: RUN commands are the shell's, not checked", () => {
    expect(check("FROM scratch\nRUN echo $HOME\n")).toEqual([]);
  });
});

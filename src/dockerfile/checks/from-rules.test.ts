// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile text holds ${VAR} on purpose
import { describe, expect, it } from "vitest";
import { parseDockerfile } from "../parse.js";
import { runChecks } from "./index.js";

const check = (text: string) =>
  runChecks(parseDockerfile(text, { file: "Dockerfile" })).map((f) => ({
    rule: f.rule,
    message: f.message,
    line: f.line,
  }));

describe("FROM rules", () => {
  it("StageNameCasing: a mixed-case stage name, not a lowercase one", () => {
    expect(check("FROM alpine AS BuilderBase\n")).toEqual([
      { rule: "StageNameCasing", message: "Stage name 'BuilderBase' should be lowercase", line: 1 },
    ]);
    expect(check("FROM alpine AS builder-base\n")).toEqual([]);
  });

  it("FromAsCasing: 'as' against 'FROM' and 'AS' against 'from'; matching casing passes", () => {
    expect(check("FROM debian:latest as builder\n")).toEqual([
      { rule: "FromAsCasing", message: "'as' and 'FROM' keywords' casing do not match", line: 1 },
    ]);
    expect(check("\nfrom debian:latest AS deb\n")).toEqual([
      { rule: "FromAsCasing", message: "'AS' and 'from' keywords' casing do not match", line: 2 },
    ]);
    expect(check("FROM debian:latest AS deb\n")).toEqual([]);
    expect(check("from debian:latest as deb\n")).toEqual([]);
  });

  it("DuplicateStageName: the repeated FROM (a Dockerfile parsed with keepDuplicateStages, as --check does)", () => {
    const text = "FROM debian:latest AS builder\nRUN true\n\nFROM golang:latest AS Builder\n";
    expect(() => parseDockerfile(text, { file: "Dockerfile" })).toThrow(/duplicate stage name "builder"/);
    const df = parseDockerfile(text, { file: "Dockerfile", keepDuplicateStages: true });
    expect(runChecks(df).map((f) => [f.rule, f.message, f.line])).toEqual([
      ["StageNameCasing", "Stage name 'Builder' should be lowercase", 4],
      ["DuplicateStageName", 'Duplicate stage name "builder", stage names should be unique', 4],
    ]);
    expect(check("FROM debian:latest AS deb-builder\nFROM golang:latest AS go-builder\n")).toEqual([]);
  });

  it("ReservedStageName: scratch and context, whatever their case", () => {
    expect(check("FROM alpine AS scratch\nFROM alpine AS context\n")).toEqual([
      {
        rule: "ReservedStageName",
        message: 'Stage name should not use the same name as reserved stage "scratch"',
        line: 1,
      },
      {
        rule: "ReservedStageName",
        message: 'Stage name should not use the same name as reserved stage "context"',
        line: 2,
      },
    ]);
    expect(check("FROM alpine AS scratchy\n")).toEqual([]);
  });

  it("RedundantTargetPlatform: $TARGETPLATFORM and ${TARGETPLATFORM}; $BUILDPLATFORM passes", () => {
    expect(check("FROM --platform=$TARGETPLATFORM alpine AS builder\n")).toEqual([
      {
        rule: "RedundantTargetPlatform",
        message:
          "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior",
        line: 1,
      },
    ]);
    expect(check("FROM --platform=${TARGETPLATFORM} alpine\n")[0]?.message).toBe(
      "Setting platform to predefined ${TARGETPLATFORM} in FROM is redundant as this is the default behavior",
    );
    expect(check("FROM --platform=$BUILDPLATFORM alpine AS builder\n")).toEqual([]);
  });

  it("FromPlatformFlagConstDisallowed: a constant platform, unless the stage name names its architecture", () => {
    expect(check("FROM --platform=linux/amd64 alpine AS base\nRUN true\n")).toEqual([
      {
        rule: "FromPlatformFlagConstDisallowed",
        message: 'FROM --platform flag should not use constant value "linux/amd64"',
        line: 1,
      },
    ]);
    expect(
      check(
        "FROM --platform=linux/amd64 alpine AS build_amd64\nFROM --platform=linux/arm64 alpine AS build_arm64\nFROM build_amd64 AS build\n",
      ),
    ).toEqual([]);
  });
});

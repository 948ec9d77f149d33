import { describe, expect, it } from "vitest";
import { parseDockerfile } from "../../dockerfile/index.js";
import { callResult, listTargets, outlineOf, parseCall, tabulate } from "./build-call.js";

const TEXT = `# syntax=docker/dockerfile:1

# GO_VERSION sets the Go version
ARG GO_VERSION=1.22
ARG UNUSED=1

# a comment that is no description
FROM busybox AS tools

# base prepares the tools
FROM busybox:\${GO_VERSION} AS base
# APP names the program
ARG APP=hello
ARG QUIET
RUN --mount=type=secret,id=token,required=true --mount=type=ssh echo $APP
RUN --mount=type=secret,id=token echo again

# release is what ships
FROM base AS release
RUN --mount=type=secret,id=other echo done
`;

describe("parseCall", () => {
  it("reads buildx's METHOD[,format=json]", () => {
    expect(parseCall("outline")).toEqual({ method: "outline", format: "text" });
    expect(parseCall("Targets,format=json")).toEqual({ method: "targets", format: "json" });
    expect(() => parseCall("lint")).toThrow(/invalid value "lint" for --call/);
  });
});

describe("tabulate", () => {
  it("pads every cell but the last as Go's tabwriter", () => {
    expect(
      tabulate(
        [
          ["A", "BB", "C"],
          ["LONGER", "", "x"],
        ],
        3,
      ),
    ).toEqual(["A        BB   C", "LONGER        x"]);
  });
});

describe("--call=targets", () => {
  it("lists the named stages and the default with their descriptions", () => {
    const df = parseDockerfile(TEXT, { file: "Dockerfile" });
    expect(listTargets(df, TEXT).map((t) => [t.name, t.default ?? false, t.description ?? ""])).toEqual([
      ["tools", false, ""],
      ["base", false, "prepares the tools"],
      ["release", true, "is what ships"],
    ]);
    // BuildKit's PrintTargets pads its columns by 1 (the outline's tables by 3).
    expect(callResult("targets", "text", "Dockerfile", TEXT, undefined, {})).toEqual([
      `TARGET${" ".repeat(12)}DESCRIPTION`,
      `tools${" ".repeat(13)}`,
      `base${" ".repeat(14)}prepares the tools`,
      "release (default) is what ships",
    ]);
  });

  it("format=json is the frontend's result.json: targets, sources, each target's location", () => {
    const j = JSON.parse(callResult("targets", "json", "Dockerfile", TEXT, undefined, {}).join("\n"));
    expect(Object.keys(j)).toEqual(["targets", "sources"]);
    expect(j.targets[2]).toEqual({
      name: "release",
      default: true,
      description: "is what ships",
      base: "base",
      location: { ranges: [{ start: { line: 19 }, end: { line: 19 } }] },
    });
    expect(Buffer.from(j.sources[0], "base64").toString()).toBe(TEXT);
  });

  it("an unnamed last stage is (default)", () => {
    const text = "FROM busybox AS a\nFROM busybox\n";
    expect(callResult("targets", "text", "Dockerfile", text, undefined, {})).toEqual([
      "TARGET    DESCRIPTION",
      "a         ",
      "(default) ",
    ]);
  });
});

describe("--call=outline", () => {
  it("the target's used args (globals through FROM), secrets and ssh, required when any mount says so", () => {
    const df = parseDockerfile(TEXT, { file: "Dockerfile" });
    const o = outlineOf(df, TEXT, undefined, { APP: "world" });
    expect(o.name).toBe("release");
    expect(o.description).toBe("is what ships");
    expect(o.args?.map((a) => [a.name, a.value, a.description])).toEqual([
      ["GO_VERSION", "1.22", "sets the Go version"],
      ["APP", "world", "names the program"],
    ]);
    expect(o.secrets?.map((s) => [s.name, s.required ?? false])).toEqual([
      ["token", true],
      ["other", false],
    ]);
    expect(o.ssh?.map((s) => s.name)).toEqual(["default"]);
    expect(o.args?.[0]?.location).toEqual({ ranges: [{ start: { line: 4 }, end: { line: 4 } }] });
  });

  it("prints BuildKit's tables", () => {
    expect(callResult("outline", "text", "Dockerfile", TEXT, "base", {})).toEqual([
      "TARGET:      base",
      "DESCRIPTION: prepares the tools",
      "",
      "BUILD ARG    VALUE   DESCRIPTION",
      "GO_VERSION   1.22    sets the Go version",
      "APP          hello   names the program",
      "",
      "SECRET   REQUIRED",
      "token    true",
      "",
      "SSH       REQUIRED",
      "default   ",
      "",
    ]);
  });

  it("an unknown target is an error naming the stages", () => {
    expect(() => callResult("outline", "text", "Dockerfile", TEXT, "nope", {})).toThrow(
      /target stage "nope" could not be found/,
    );
  });

  it("format=json is the frontend's result.json", () => {
    const lines = callResult("outline", "json", "Dockerfile", TEXT, "tools", {});
    const j = JSON.parse(lines.join("\n"));
    expect(j.name).toBe("tools");
    expect(j.args).toBeUndefined();
    expect(Buffer.from(j.sources[0], "base64").toString()).toBe(TEXT);
  });
});

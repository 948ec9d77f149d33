import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseDockerfile } from "../../dockerfile/index.js";
import { runCli } from "../testing/capture.js";
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
  it("reads buildx's METHOD[,format=json][,ignorestatus=BOOL]", () => {
    expect(parseCall("outline")).toEqual({ method: "outline", format: "text", ignoreStatus: false });
    expect(parseCall("Targets,format=json")).toEqual({
      method: "targets",
      format: "json",
      ignoreStatus: false,
    });
    expect(parseCall("check,ignorestatus=true")).toEqual({
      method: "check",
      format: "text",
      ignoreStatus: true,
    });
    expect(parseCall("check,format=json,ignorestatus=1").ignoreStatus).toBe(true);
    expect(() => parseCall("check,ignorestatus=maybe")).toThrow(
      'invalid ignorestatus print value: maybe: strconv.ParseBool: parsing "maybe": invalid syntax',
    );
    expect(() => parseCall("lint")).toThrow(/invalid value "lint" for --call/);
  });
});

describe("build --check and --call check (buildx's printer and exit status)", () => {
  const dir = mkdtempSync(join(tmpdir(), "wharf-build-call-"));
  const root = join(dir, "root");
  const ctxOf = (name: string, dockerfile: string) => {
    const d = join(dir, name);
    mkdirSync(d);
    writeFileSync(join(d, "Dockerfile"), dockerfile);
    return d;
  };
  const warn = ctxOf("warn", "FROM scratch as base\nCMD echo hi\n");
  const clean = ctxOf("clean", 'FROM scratch\nCMD ["/a"]\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("no warnings: the one line, exit 0", async () => {
    const r = await runCli(["build", "--check", clean], { root });
    expect([r.status, r.stdout, r.stderr]).toEqual([0, "Check complete, no warnings found.\n", ""]);
  });

  it("warnings: the count line first, then the warnings; exit 1 (0 with ignorestatus=true)", async () => {
    const r = await runCli(["build", "--check", warn], { root });
    expect(r.status).toBe(1);
    expect(r.stdout.split("\n").slice(0, 3)).toEqual([
      "Check complete, 2 warnings have been found!",
      "",
      "WARNING: FromAsCasing - https://docs.docker.com/go/dockerfile/rule/from-as-casing/",
    ]);
    expect(r.stdout.endsWith("--------------------\n")).toBe(true);
    expect(r.stderr).toBe("");
    const call = await runCli(["build", "--call", "check", warn], { root });
    expect([call.status, call.stdout]).toEqual([1, r.stdout]);
    const ignored = await runCli(["build", "--call", "check,ignorestatus=true", warn], { root });
    expect([ignored.status, ignored.stdout]).toEqual([0, r.stdout]);
  });

  it("format=json: result.json as BuildKit indents it, the same exit status", async () => {
    const r = await runCli(["build", "--call", "check,format=json", warn], { root });
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(["warnings", "sources"]);
    expect(doc.warnings.map((w: { ruleName: string }) => w.ruleName)).toEqual([
      "FromAsCasing",
      "JSONArgsRecommended",
    ]);
    expect(r.stdout).toMatch(/^\{\n {2}"warnings": \[\n/);
    const none = await runCli(["build", "--call", "check,format=json", clean], { root });
    expect(none.status).toBe(0);
    expect(JSON.parse(none.stdout).warnings).toBeNull();
  });

  it("error=true: the warnings and an empty line, then the lint error, exit 1 even with ignorestatus", async () => {
    const strict = ctxOf("strict", "# check=error=true\nFROM scratch\nCMD echo hi\n");
    const r = await runCli(["build", "--call", "check,ignorestatus=true", strict], { root });
    expect(r.status).toBe(1);
    expect(r.stdout.startsWith("Check complete, 1 warning has been found!\n")).toBe(true);
    expect(r.stdout.endsWith("--------------------\n\n")).toBe(true);
    expect(r.stderr.split("\n")[0]).toBe("Error: lint violation found for rules: JSONArgsRecommended");
    const json = await runCli(["build", "--call", "check,format=json", strict], { root });
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout).buildError).toEqual({
      message: "lint violation found for rules: JSONArgsRecommended",
      location: {},
    });
  });

  it("--metadata-file: the subrequest's response, as buildx writes it", async () => {
    const meta = join(dir, "meta.json");
    const r = await runCli(["build", "--check", "--metadata-file", meta, warn], { root });
    expect(r.status).toBe(1);
    const doc = JSON.parse(readFileSync(meta, "utf8"));
    expect(Object.keys(doc)).toEqual(["result.json", "result.statuscode", "result.txt", "version"]);
    expect(doc["result.statuscode"]).toBe("1");
    expect(doc.version).toBe("1.0.0");
    expect(doc["result.json"].warnings).toHaveLength(2);
    // result.txt: BuildKit's text of the warnings, without buildx's count line.
    expect(doc["result.txt"]).toBe(r.stdout.slice(r.stdout.indexOf("\n") + 1));
    const targets = await runCli(["build", "--call", "targets", "--metadata-file", meta, warn], { root });
    expect(targets.status).toBe(0);
    expect(JSON.parse(readFileSync(meta, "utf8"))).toEqual({
      "result.json": {
        targets: [
          {
            name: "base",
            default: true,
            base: "scratch",
            location: { ranges: [{ start: { line: 1 }, end: { line: 1 } }] },
          },
        ],
        sources: [Buffer.from("FROM scratch as base\nCMD echo hi\n").toString("base64")],
      },
      "result.txt": targets.stdout,
      version: "1.0.0",
    });
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

import { describe, expect, it } from "vitest";
import { applyEnvDefaults, type FlagSpec, formatFlagHelp, parseFlags } from "./flags.js";

const specs: FlagSpec[] = [
  { name: "all", short: "a", type: "bool", description: "all" },
  { name: "quiet", short: "q", type: "bool", description: "quiet" },
  { name: "format", short: "f", type: "string", description: "format" },
  { name: "env", short: "e", type: "strings", description: "env" },
  { name: "last", short: "n", type: "int", description: "last", default: -1 },
];

describe("parseFlags", () => {
  it("reads long, short, grouped and = forms", () => {
    const p = parseFlags(
      ["-aq", "--format={{.ID}}", "-e", "A=1", "-eB=2", "--env", "C=3", "x", "-n", "5"],
      specs,
    );
    expect(p.values).toMatchObject({
      all: true,
      quiet: true,
      format: "{{.ID}}",
      env: ["A=1", "B=2", "C=3"],
      last: 5,
    });
    expect(p.args).toEqual(["x"]);
    expect([...p.given].sort()).toEqual(["all", "env", "format", "last", "quiet"]);
  });

  it("refuses a non-integer for an int flag in pflag's words", () => {
    expect(() => parseFlags(["-n", "abc"], specs)).toThrow(
      'invalid argument "abc" for "-n, --last" flag: strconv.ParseInt: parsing "abc": invalid syntax',
    );
    expect(parseFlags(["-n", "+3"], specs).values.last).toBe(3);
  });

  it("fills defaults and accepts --bool=false", () => {
    const p = parseFlags(["--all=false"], specs);
    expect(p.values.all).toBe(false);
    expect(p.values.last).toBe(-1);
    expect(p.values.env).toEqual([]);
  });

  it("stops at the first positional when not interspersed", () => {
    const p = parseFlags(["-q", "image", "sh", "-c", "echo -a"], specs, false);
    expect(p.values.quiet).toBe(true);
    expect(p.args).toEqual(["image", "sh", "-c", "echo -a"]);
  });

  it("treats -- and - as Docker does", () => {
    expect(parseFlags(["--", "-a"], specs).args).toEqual(["-a"]);
    expect(parseFlags(["-"], specs).args).toEqual(["-"]);
  });

  it.each([
    [["--nope"], "unknown flag: --nope"],
    [["-z"], "unknown shorthand flag: 'z' in -z"],
    [["--format"], "flag needs an argument: --format"],
    [["-f"], "flag needs an argument: 'f' in -f"],
    [["-n", "x"], 'invalid argument "x"'],
    [["--all=maybe"], 'invalid argument "maybe"'],
  ])("rejects %j", (argv, msg) => {
    expect(() => parseFlags(argv, specs)).toThrow(msg);
  });

  it("formats help", () => {
    const lines = formatFlagHelp(specs);
    expect(lines[0]).toMatch(/^ {2}-a, --all\s+all$/);
    expect(lines.at(-1)).toMatch(/--last int\s+last \(default -1\)/);
  });
});

describe("applyEnvDefaults", () => {
  const withEnv: FlagSpec[] = [
    { name: "platform", type: "string", description: "p", envDefault: "DOCKER_DEFAULT_PLATFORM" },
    { name: "plats", type: "strings", description: "p", envDefault: "DOCKER_DEFAULT_PLATFORM" },
  ];
  it("takes the variable for a flag not given, never over one given, never an empty one", () => {
    const env = { DOCKER_DEFAULT_PLATFORM: "linux/arm64" };
    const none = parseFlags([], withEnv);
    applyEnvDefaults(none, withEnv, env);
    expect(none.values).toMatchObject({ platform: "linux/arm64", plats: ["linux/arm64"] });
    const given = parseFlags(["--platform", "linux/amd64", "--plats", "linux/386"], withEnv);
    applyEnvDefaults(given, withEnv, env);
    expect(given.values).toMatchObject({ platform: "linux/amd64", plats: ["linux/386"] });
    const empty = parseFlags([], withEnv);
    applyEnvDefaults(empty, withEnv, { DOCKER_DEFAULT_PLATFORM: "" });
    expect(empty.values.platform).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { parseDockerfile } from "../parse.js";
import { checkConfigOf, parseCheckConfig, runChecks } from "./index.js";

const BAD = "FROM alpine as base\nMAINTAINER me\nCMD echo hi\n";

describe("check directive and build arg", () => {
  it("parses skip lists, skip=all and error", () => {
    const c = parseCheckConfig("skip=JSONArgsRecommended, StageNameCasing;error=true");
    expect([...c.skip]).toEqual(["JSONArgsRecommended", "StageNameCasing"]);
    expect(c.error).toBe(true);
    expect(c.skipAll).toBe(false);
    expect(parseCheckConfig("skip=all").skipAll).toBe(true);
    expect(parseCheckConfig("error=false").error).toBe(false);
    expect(() => parseCheckConfig("error=maybe")).toThrow(/invalid boolean value maybe/);
    expect(() => parseCheckConfig("bogus")).toThrow(/invalid check directive/);
  });

  it("the directive skips rules; skip=all skips every one", () => {
    const rules = (t: string, buildArg?: string) =>
      runChecks(parseDockerfile(t, { file: "Dockerfile" }), buildArg === undefined ? {} : { buildArg }).map(
        (f) => f.rule,
      );
    expect(rules(BAD)).toEqual(["FromAsCasing", "MaintainerDeprecated", "JSONArgsRecommended"]);
    expect(rules(`# check=skip=FromAsCasing,JSONArgsRecommended\n${BAD}`)).toEqual(["MaintainerDeprecated"]);
    expect(rules(`# check=skip=all\n${BAD}`)).toEqual([]);
    // The build arg wins over the directive.
    expect(rules(`# check=skip=all\n${BAD}`, "skip=MaintainerDeprecated")).toEqual([
      "FromAsCasing",
      "JSONArgsRecommended",
    ]);
  });

  it("error=true comes from the directive or the build arg", () => {
    const df = parseDockerfile(`# check=error=true\n${BAD}`, { file: "Dockerfile" });
    expect(checkConfigOf(df.directives).error).toBe(true);
    expect(checkConfigOf({}, "error=true").error).toBe(true);
    expect(checkConfigOf({}).error).toBe(false);
  });
});

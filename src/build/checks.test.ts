import { describe, expect, it } from "vitest";
import { type Finding, parseDockerfile, runChecks } from "../dockerfile/index.js";
import { checkAnswer, lintResultsOf, lintWarningLines, sourceExcerpt } from "./checks.js";

const URL_CASING = "https://docs.docker.com/go/dockerfile/rule/from-as-casing/";
const URL_JSON = "https://docs.docker.com/go/dockerfile/rule/json-args-recommended/";
const JSON_ARGS = "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals";
const TWO = "FROM scratch as base\nCOPY a.txt /a\nCMD echo hi\n";
const findingsOf = (text: string): Finding[] => runChecks(parseDockerfile(text, { file: "Dockerfile" }));

describe("sourceExcerpt (BuildKit's errdefs Source.Print)", () => {
  const file = Array.from({ length: 9 }, (_, i) => `L${i + 1}`).join("\n");

  it("shows 4 lines of context around one line, 2 around a range, taken on both sides in turn", () => {
    expect(sourceExcerpt("Dockerfile", file, 5, 5)).toEqual([
      "Dockerfile:5",
      "--------------------",
      "   3 |     L3",
      "   4 |     L4",
      "   5 | >>> L5",
      "   6 |     L6",
      "   7 |     L7",
      "--------------------",
    ]);
    // A range: one line each side; the header names its first line only.
    expect(sourceExcerpt("Dockerfile", file, 4, 6)).toEqual([
      "Dockerfile:4",
      "--------------------",
      "   3 |     L3",
      "   4 | >>> L4",
      "   5 | >>> L5",
      "   6 | >>> L6",
      "   7 |     L7",
      "--------------------",
    ]);
  });

  it("takes the context from the side that has it at the file's ends; a final newline's empty line counts", () => {
    expect(sourceExcerpt("Dockerfile", file, 1, 1).slice(2, -1)).toEqual([
      "   1 | >>> L1",
      "   2 |     L2",
      "   3 |     L3",
    ]);
    expect(sourceExcerpt("Dockerfile", file, 2, 2).slice(2, -1)).toEqual([
      "   1 |     L1",
      "   2 | >>> L2",
      "   3 |     L3",
      "   4 |     L4",
    ]);
    expect(sourceExcerpt("Dockerfile", "FROM a\nCMD b\n", 2, 2).slice(2, -1)).toEqual([
      "   1 |     FROM a",
      "   2 | >>> CMD b",
      "   3 |     ",
    ]);
    expect(sourceExcerpt("Dockerfile", file, 12, 12)).toEqual([]);
  });

  it("pads the line number as Go's %3d (wider numbers push the bar)", () => {
    const long = Array.from({ length: 1001 }, (_, i) => `L${i + 1}`).join("\n");
    expect(sourceExcerpt("Dockerfile", long, 1000, 1000)[4]).toBe(" 1000 | >>> L1000");
  });
});

describe("checkAnswer (buildx's printer of a check, for build and bake)", () => {
  it("no warnings: the one line, status 0, warnings null, empty result.txt", () => {
    const a = checkAnswer([], { error: false }, "Dockerfile", 'FROM scratch\nCMD ["/a"]\n');
    expect(a.lines).toEqual(["Check complete, no warnings found."]);
    expect(a.status).toBe(0);
    expect(a.results.warnings).toBeNull();
    expect(a.txt).toBe("");
    expect(a.error).toBeUndefined();
  });

  it("warnings: the count line first, then each warning by line with its excerpt; status 1", () => {
    const findings = findingsOf(TWO);
    const a = checkAnswer(findings, { error: false }, "Dockerfile", TWO);
    expect(a.lines).toEqual([
      "Check complete, 2 warnings have been found!",
      "",
      `WARNING: FromAsCasing - ${URL_CASING}`,
      "'as' and 'FROM' keywords' casing do not match",
      "Dockerfile:1",
      "--------------------",
      "   1 | >>> FROM scratch as base",
      "   2 |     COPY a.txt /a",
      "   3 |     CMD echo hi",
      "--------------------",
      "",
      `WARNING: JSONArgsRecommended - ${URL_JSON}`,
      JSON_ARGS,
      "Dockerfile:3",
      "--------------------",
      "   1 |     FROM scratch as base",
      "   2 |     COPY a.txt /a",
      "   3 | >>> CMD echo hi",
      "   4 |     ",
      "--------------------",
    ]);
    expect(a.status).toBe(1);
    // result.txt is BuildKit's text of the warnings alone, without buildx's count line.
    expect(a.txt).toBe(`${a.lines.slice(1).join("\n")}\n`);
    expect(a.error).toBeUndefined();
    expect(a.results.buildError).toBeUndefined();
    expect(checkAnswer(findings.slice(0, 1), { error: false }, "Dockerfile", TWO).lines[0]).toBe(
      "Check complete, 1 warning has been found!",
    );
  });

  it("prints the warnings by line whatever order the linter found them in; result.json keeps that order", () => {
    const [first, second] = findingsOf(TWO) as [Finding, Finding];
    const a = checkAnswer([second, first], { error: false }, "Dockerfile", TWO);
    expect(a.lines.filter((l) => l.startsWith("WARNING:"))).toEqual([
      `WARNING: FromAsCasing - ${URL_CASING}`,
      `WARNING: JSONArgsRecommended - ${URL_JSON}`,
    ]);
    expect(a.results.warnings?.map((w) => w.ruleName)).toEqual(["JSONArgsRecommended", "FromAsCasing"]);
  });

  it("error=true: an empty line after the warnings, the lint error with its newline, buildError in result.json", () => {
    const text = "# check=error=true\nFROM scratch\nCMD echo hi\n";
    const a = checkAnswer(findingsOf(text), { error: true }, "Dockerfile", text);
    expect(a.lines[0]).toBe("Check complete, 1 warning has been found!");
    expect(a.lines.at(-1)).toBe("");
    expect(a.lines.at(-2)).toBe("--------------------");
    expect(a.error).toBe("lint violation found for rules: JSONArgsRecommended\n");
    expect(a.status).toBe(1);
    expect(a.results.buildError).toEqual({
      message: "lint violation found for rules: JSONArgsRecommended",
      location: {},
    });
    // error=true without a finding is no error.
    const clean = checkAnswer([], { error: true }, "Dockerfile", "FROM scratch\n");
    expect([clean.error, clean.results.buildError, clean.lines]).toEqual([
      undefined,
      undefined,
      ["Check complete, no warnings found."],
    ]);
  });
});

describe("lintResultsOf", () => {
  it("writes BuildKit's result.json: warnings (rule, description, URL, detail, lines), the source", () => {
    const [f] = findingsOf(TWO) as [Finding];
    expect(lintResultsOf([f], "Dockerfile", TWO)).toEqual({
      warnings: [
        {
          ruleName: "FromAsCasing",
          description: "The 'as' keyword should match the case of the 'from' keyword",
          url: URL_CASING,
          detail: "'as' and 'FROM' keywords' casing do not match",
          location: { ranges: [{ start: { line: 1 }, end: { line: 1 } }] },
        },
      ],
      sources: [
        { filename: "Dockerfile", data: Buffer.from(TWO).toString("base64"), language: "Dockerfile" },
      ],
    });
    expect(Object.keys(lintResultsOf([f], "Dockerfile", TWO, true))).toEqual([
      "warnings",
      "sources",
      "buildError",
    ]);
  });

  it("prints a warning without a URL as BuildKit does (no dash)", () => {
    const [f] = findingsOf(TWO) as [Finding];
    expect(lintWarningLines([{ ...f, url: "" }], "Dockerfile", TWO)[1]).toBe("WARNING: FromAsCasing");
  });
});

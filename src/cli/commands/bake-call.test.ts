import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import type { Finding } from "../../dockerfile/index.js";
import { answerCall, checkText, lintResultsOf } from "./bake-call.js";

const FINDING: Finding = {
  rule: "FromAsCasing",
  message: "'as' and 'FROM' keywords' casing do not match",
  line: 1,
  endLine: 1,
  url: "https://docs.docker.com/go/dockerfile/rule/from-as-casing/",
  description: "The 'as' keyword should match the case of the 'from' keyword",
};
const TEXT = "FROM scratch as base\nCOPY Dockerfile /\n";

describe("lintResultsOf", () => {
  it("writes BuildKit's lint result.json: warnings with rule, description, URL, detail and lines; the source", () => {
    expect(lintResultsOf([FINDING], "Dockerfile", TEXT)).toEqual({
      warnings: [
        {
          ruleName: "FromAsCasing",
          description: FINDING.description,
          url: FINDING.url,
          detail: FINDING.message,
          location: { ranges: [{ start: { line: 1 }, end: { line: 1 } }] },
        },
      ],
      sources: [
        { filename: "Dockerfile", data: Buffer.from(TEXT).toString("base64"), language: "Dockerfile" },
      ],
    });
  });

  it("has warnings null when there are none (Go's nil slice)", () => {
    expect(lintResultsOf([], "Dockerfile", TEXT).warnings).toBeNull();
  });
});

describe("checkText", () => {
  it("puts the count line first, as buildx's printer writes it before the warnings", () => {
    const lines = checkText([FINDING], "Dockerfile", TEXT);
    expect(lines[0]).toBe("Check complete, 1 warning has been found!");
    expect(lines[1]).toBe("");
    expect(lines[2]).toBe(`WARNING: FromAsCasing - ${FINDING.url}`);
    expect(lines.filter((l) => l.startsWith("Check complete"))).toHaveLength(1);
  });

  it("says no warnings were found when there are none", () => {
    expect(checkText([], "Dockerfile", TEXT)).toEqual(["Check complete, no warnings found."]);
  });
});

describe("answerCall", () => {
  const dir = mkdtempSync(join(tmpdir(), "wharf-bake-call-"));
  writeFileSync(join(dir, "Dockerfile"), TEXT);
  const o = { root: join(dir, "root"), context: dir, tags: [] };
  const stdin = () => Readable.from([]);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("answers a check with the lint result, status 1 for a warning", async () => {
    const json = await answerCall("check", "json", o, stdin());
    expect(json.answer.status).toBe(1);
    expect(json.answer.text).toEqual([]);
    const warnings = json.answer.json.warnings as { ruleName: string }[];
    expect(warnings.map((w) => w.ruleName)).toEqual(["FromAsCasing"]);
    expect(json.lintError).toBeUndefined();
    const text = await answerCall("check", "text", o, stdin());
    expect(text.answer.text[0]).toBe("Check complete, 1 warning has been found!");
  });

  it("answers targets with the frontend's result.json (targets, sources), status 0", async () => {
    const r = await answerCall("targets", "json", o, stdin());
    expect(r.answer.status).toBe(0);
    expect(r.answer.json).toMatchObject({
      targets: [{ name: "base", default: true, base: "scratch" }],
      sources: [Buffer.from(TEXT).toString("base64")],
    });
  });
});

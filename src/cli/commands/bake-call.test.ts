import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { answerCall } from "./bake-call.js";

const TEXT = "FROM scratch as base\nCOPY Dockerfile /\n";

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
    expect(json.answer.error).toBeUndefined();
    const text = await answerCall("check", "text", o, stdin());
    expect(text.answer.text[0]).toBe("Check complete, 1 warning has been found!");
    // The --metadata-file entry: the subrequest's response as buildx decodes it.
    expect(text.metadata).toEqual({
      "result.json": json.answer.json,
      "result.statuscode": "1",
      "result.txt": `${text.answer.text.slice(1).join("\n")}\n`,
      version: "1.0.0",
    });
  });

  it("answers a check with error=true with the lint error after the warnings", async () => {
    const d = join(dir, "strict");
    mkdirSync(d);
    writeFileSync(join(d, "Dockerfile"), `# check=error=true\n${TEXT}`);
    const r = await answerCall("check", "text", { ...o, context: d }, stdin());
    expect(r.answer.error).toBe("lint violation found for rules: FromAsCasing\n");
    expect(r.answer.text.at(-1)).toBe("");
    expect(r.metadata["result.json"]).toMatchObject({
      buildError: { message: "lint violation found for rules: FromAsCasing", location: {} },
    });
  });

  it("answers targets with the frontend's result.json (targets, sources), status 0", async () => {
    const r = await answerCall("targets", "json", o, stdin());
    expect(r.answer.status).toBe(0);
    expect(r.answer.json).toMatchObject({
      targets: [{ name: "base", default: true, base: "scratch" }],
      sources: [Buffer.from(TEXT).toString("base64")],
    });
    expect(r.metadata).toEqual({
      "result.json": r.answer.json,
      "result.txt": "TARGET         DESCRIPTION\nbase (default) \n",
      version: "1.0.0",
    });
  });
});

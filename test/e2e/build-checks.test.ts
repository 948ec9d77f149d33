import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const JSON_ARGS = "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals";

/** BuildKit's build checks through the built CLI: `build --check`, the warnings after a build, `error=true`. */
describe("wharf build checks", () => {
  let cli: WharfCli;
  let dir: string;

  const ctx = (name: string, dockerfile: string): string => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "Dockerfile"), dockerfile);
    writeFileSync(join(d, "a.txt"), "a\n");
    return d;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-checks-"));
    cli = await wharfCli();
  });

  afterAll(async () => {
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("--check prints the count line, then each finding with its excerpt, and exits 1; a clean file exits 0", async () => {
    const d = ctx("warn", "FROM scratch as base\nCOPY a.txt /a\nCMD echo hi\n");
    const r = await cli.run(["build", "--check", d]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe("");
    const report = [
      "",
      "WARNING: FromAsCasing - https://docs.docker.com/go/dockerfile/rule/from-as-casing/",
      "'as' and 'FROM' keywords' casing do not match",
      "Dockerfile:1",
      "--------------------",
      "   1 | >>> FROM scratch as base",
      "   2 |     COPY a.txt /a",
      "   3 |     CMD echo hi",
      "--------------------",
      "",
      "WARNING: JSONArgsRecommended - https://docs.docker.com/go/dockerfile/rule/json-args-recommended/",
      JSON_ARGS,
      "Dockerfile:3",
      "--------------------",
      "   1 |     FROM scratch as base",
      "   2 |     COPY a.txt /a",
      "   3 | >>> CMD echo hi",
      "   4 |     ",
      "--------------------",
      "",
    ].join("\n");
    // buildx: the count line first, then BuildKit's warnings (the empty last line counts as one).
    expect(r.stdout).toBe(`Check complete, 2 warnings have been found!\n${report}`);
    // --call check is the same; ignorestatus=true keeps the text and exits 0.
    const call = await cli.run(["build", "--call", "check", d]);
    expect([call.code, call.stdout]).toEqual([1, r.stdout]);
    const ignored = await cli.run(["build", "--call", "check,ignorestatus=true", d]);
    expect([ignored.code, ignored.stdout]).toEqual([0, r.stdout]);
    // format=json: BuildKit's result.json, the same status.
    const json = await cli.run(["build", "--call", "check,format=json", d]);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout);
    expect(doc.warnings.map((w: { ruleName: string }) => w.ruleName)).toEqual([
      "FromAsCasing",
      "JSONArgsRecommended",
    ]);
    expect(Buffer.from(doc.sources[0].data, "base64").toString()).toBe(
      "FROM scratch as base\nCOPY a.txt /a\nCMD echo hi\n",
    );
    // --metadata-file: the subrequest's response, as buildx writes it.
    const meta = join(dir, "check-meta.json");
    expect((await cli.run(["build", "--check", "--metadata-file", meta, d])).code).toBe(1);
    expect(JSON.parse(readFileSync(meta, "utf8"))).toEqual({
      "result.json": doc,
      "result.statuscode": "1",
      "result.txt": report,
      version: "1.0.0",
    });
    // Nothing built: no image.
    expect((await cli.ok("images", "-q")).trim()).toBe("");
    const clean = ctx("clean", 'FROM scratch\nCOPY a.txt /a\nCMD ["/a"]\n');
    const c = await cli.run(["build", "--check", clean]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toBe("Check complete, no warnings found.\n");
    const cj = await cli.run(["build", "--call", "check,format=json", clean]);
    expect(cj.code, cj.stderr).toBe(0);
    expect(JSON.parse(cj.stdout).warnings).toBeNull();
  });

  it("--check with error=true prints the warnings, an empty line, then BuildKit's error; exit 1 whatever ignorestatus", async () => {
    const d = ctx("error", "# check=error=true\nFROM scratch\nCMD echo hi\n");
    const r = await cli.run(["build", "--call", "check,ignorestatus=true", d]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        "Check complete, 1 warning has been found!",
        "",
        "WARNING: JSONArgsRecommended - https://docs.docker.com/go/dockerfile/rule/json-args-recommended/",
        JSON_ARGS,
        "Dockerfile:3",
        "--------------------",
        "   1 |     # check=error=true",
        "   2 |     FROM scratch",
        "   3 | >>> CMD echo hi",
        "   4 |     ",
        "--------------------",
        "",
        "",
      ].join("\n"),
    );
    expect(r.stderr).toMatch(/^Error: lint violation found for rules: JSONArgsRecommended\nHint: /);
    const json = await cli.run(["build", "--call", "check,format=json", d]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).buildError).toEqual({
      message: "lint violation found for rules: JSONArgsRecommended",
      location: {},
    });
    const off = await cli.run(["build", "--check", "--build-arg", "BUILDKIT_DOCKERFILE_CHECK=skip=all", d]);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toBe("Check complete, no warnings found.\n");
  });

  it("a build prints the warnings after its steps; error=true fails it before any step", async () => {
    const d = ctx("build", "FROM scratch\nCOPY a.txt /a\nMAINTAINER me\nCMD echo hi\n");
    const r = await cli.run(["build", "--progress", "plain", "-t", "checked:1", d]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        "naming to docker.io/library/checked:1 done\\n#\\d+ DONE [0-9.]+s\\n\\n" +
          " 2 warnings found \\(use docker --debug to expand\\):\\n" +
          " - MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label \\(line 3\\)\\n" +
          ` - JSONArgsRecommended: ${JSON_ARGS} \\(line 4\\)\\n$`,
      ),
    );
    // -q prints the ID only.
    const q = await cli.run(["build", "-q", d]);
    expect(q.code).toBe(0);
    expect(q.stderr).toBe("");
    const failing = ctx("fail", "# check=error=true\nFROM scratch\nCOPY a.txt /a\nCMD echo hi\n");
    const f = await cli.run(["build", "--progress", "plain", "-t", "failed:1", failing]);
    expect(f.code).toBe(1);
    expect(f.stderr).toContain(` - JSONArgsRecommended: ${JSON_ARGS} (line 4)`);
    expect(f.stderr).toMatch(
      /Error: failed to solve: lint violation found for rules: JSONArgsRecommended\nHint: /,
    );
    expect(f.stderr).not.toContain("COPY a.txt");
    expect(await cli.run(["image", "inspect", "failed:1"]).then((x) => x.code)).toBe(1);
    await validateRoot(cli.root);
  });
});

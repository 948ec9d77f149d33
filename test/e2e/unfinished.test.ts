import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/**
 * A command whose work stops without finishing (a promise that nothing settles: the hangs a full
 * disk caused) must not end with status 0 as if it had worked. The hang is made on purpose: a
 * preloaded module makes every `fs.promises.open` a promise that never settles.
 */
describe("a command that stops before it finishes", () => {
  let cli: WharfCli;
  let dir: string;

  beforeAll(async () => {
    cli = await wharfCli();
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-unfinished-"));
  });

  afterAll(async () => {
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("ends with status 1 and says so", async () => {
    const hang = join(dir, "hang.cjs");
    writeFileSync(hang, 'require("node:fs/promises").open = () => new Promise(() => {});\n');
    const ctx = join(dir, "ctx");
    mkdirSync(ctx);
    writeFileSync(join(ctx, "a"), "a\n");
    writeFileSync(join(ctx, "Dockerfile"), "FROM scratch\nCOPY a /a\n");
    const r = await cli.run(["build", "-q", "-t", "x:1", ctx], {
      env: { NODE_OPTIONS: `--require ${hang}` },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/Error: wharf stopped before the command finished: an internal error\nHint: /);
    // Without the hang the same build works.
    expect((await cli.ok("build", "-q", "-t", "x:1", ctx)).trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
  }, 60_000);
});

import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/**
 * ^C while `save -o` or `export -o` writes: the process ends by the signal as before, but the
 * temp file beside the output goes with it (it stayed, as large as what had been
 * written), no output file appears, and export's and cp's view of the container is unmounted (it
 * stayed).
 */
describe("save -o and export -o interrupted", () => {
  let cli: WharfCli;
  let dir: string;
  let out: string;

  beforeAll(async () => {
    cli = await wharfCli();
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-intout-"));
    const ctx = join(dir, "ctx");
    mkdirSync(ctx);
    writeFileSync(join(ctx, "big"), randomBytes(256 << 20));
    writeFileSync(join(ctx, "Dockerfile"), "FROM scratch\nCOPY big /big\n");
    await cli.ok("build", "-q", "-t", "big:1", ctx);
    await rm(ctx, { recursive: true });
    out = join(dir, "out");
    mkdirSync(out);
  }, 120_000);

  afterAll(async () => {
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const verb of ["save", "export"] as const) {
    it(`${verb} -o leaves no temp file on ^C`, async () => {
      const target = join(out, `${verb}.tar`);
      const args =
        verb === "save"
          ? ["save", "-o", target, "big:1"]
          : ["export", "-o", target, (await cli.ok("create", "big:1", "/big")).trim()];
      const p = cli.spawn(args);
      // Interrupted once the temp file is there and growing.
      // (`.save.tar.wharf-…` for save, `.tmp-PID-…` for export's atomic write).
      const temp = () => readdirSync(out).some((n) => n.startsWith("."));
      for (let i = 0; i < 1000 && !temp(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(temp()).toBe(true);
      process.kill(p.pid, "SIGINT");
      const r = await p.done;
      // save dies by the signal (nothing of its own to undo); export ends itself once its view is let go.
      if (verb === "save") expect(r.signal).toBe("SIGINT");
      else expect(r.code).toBe(130);
      expect(readdirSync(out)).toEqual([]);
      expect(existsSync(target)).toBe(false);
      expect(readFileSync("/proc/mounts", "utf8")).not.toContain(cli.root);
    }, 60_000);
  }

  it("cp CONTAINER:PATH on ^C lets go of the stopped container's view (it stayed mounted)", async () => {
    const id = (await cli.ok("create", "big:1", "/big")).trim();
    const dest = join(out, "copied");
    const p = cli.spawn(["cp", `${id}:/big`, dest]);
    for (let i = 0; i < 1000 && !existsSync(join(dest)); i++) await new Promise((r) => setTimeout(r, 10));
    expect(existsSync(dest)).toBe(true);
    process.kill(p.pid, "SIGINT");
    const r = await p.done;
    expect(r.code).toBe(130);
    expect(readFileSync("/proc/mounts", "utf8")).not.toContain(cli.root);
    expect(readdirSync(join(cli.root, "snapshots", "tmp"))).toEqual([]);
    await rm(dest, { force: true });
  }, 60_000);

  it("leaves the root whole", async () => {
    await cli.ok("container", "prune", "-f");
    await validateRoot(cli.root);
  });
});

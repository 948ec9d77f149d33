import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushBusybox } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { WHARF_CMD } from "./helpers/wharf-cli.js";

const RUNC = "/usr/sbin/runc";

/**
 * A missing or broken runc is wharf's own failure: one `Error:` line naming runc, a `Hint:`, exit
 * status 125, never the container's 127, and no container left behind. runc is hidden from the
 * command alone: a PATH without it, or a private mount namespace with a file bound over the binary.
 */
describe("a missing or broken container runtime", () => {
  let dir: string;
  let root: string;
  let reg: RunningRegistry;
  let image: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "wharf-e2e-noruntime-"));
    root = join(dir, "root");
    reg = await startDistribution();
    image = (await pushBusybox(reg, join(dir, "layout"), "noruntime")).ref;
    const pulled = spawnSync(WHARF_CMD, ["--root", root, "pull", "-q", image], { encoding: "utf8" });
    expect(pulled.status, pulled.stderr).toBe(0);
    writeFileSync(join(dir, "not-executable"), "not a program");
    chmodSync(join(dir, "not-executable"), 0o644);
    writeFileSync(join(dir, "broken-runc"), "#!/bin/sh\nexit 3\n");
    chmodSync(join(dir, "broken-runc"), 0o755);
    // A PATH that has node and nothing else: no runc on it.
    mkdirSync(join(dir, "bin"));
    symlinkSync(process.execPath, join(dir, "bin", "node"));
  }, 120_000);

  afterAll(async () => {
    await reg?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `wharf --root ROOT ARGS`, with runc replaced by `over` (bind mount) or absent from PATH. */
  function wharf(args: string[], hide: { over?: string; path?: string }) {
    const argv = [WHARF_CMD, "--root", root, ...args];
    const env = { ...process.env, ...(hide.path ? { PATH: hide.path } : {}) };
    if (!hide.over) return spawnSync(argv[0] as string, argv.slice(1), { encoding: "utf8", env });
    const script = `mount --bind "$1" ${RUNC} && shift && exec "$@"`;
    return spawnSync("unshare", ["-m", "sh", "-c", script, "sh", hide.over, ...argv], {
      encoding: "utf8",
      env,
    });
  }

  function containers(): string {
    return spawnSync(WHARF_CMD, ["--root", root, "ps", "-aq"], { encoding: "utf8" }).stdout;
  }

  it("runc not on PATH: run, run -d and create say so, exit 125, and make no container", () => {
    for (const args of [
      ["run", "--rm", image, "true"],
      ["run", "-d", image, "true"],
      ["create", image],
    ]) {
      const r = wharf(args, { path: join(dir, "bin") });
      expect(r.status, `${args.join(" ")}: ${r.stderr}`).toBe(125);
      expect(r.stderr).toContain("Error: the container runtime runc was not found on PATH");
      expect(r.stderr).toMatch(/^Hint: .*apt-get install -y runc/m);
      expect(r.stdout).toBe("");
    }
    expect(containers()).toBe("");
  });

  it("runc that cannot be executed: exit 125 naming it, not 127", () => {
    const r = wharf(["run", "--rm", image, "true"], { over: join(dir, "not-executable") });
    expect(r.status, r.stderr).toBe(125);
    expect(r.stderr).toContain(`Error: the container runtime runc (${RUNC}) cannot be executed`);
    expect(r.stderr).toMatch(/^Hint: /m);
    expect(containers()).toBe("");
  });

  it("runc that fails before starting the container: exit 125 naming it", () => {
    const r = wharf(["run", "--rm", image, "true"], { over: join(dir, "broken-runc") });
    expect(r.status, r.stderr).toBe(125);
    expect(r.stderr).toContain(
      `Error: the container runtime runc (${RUNC}) exited with status 3 before the container started`,
    );
    expect(r.stderr).toMatch(/^Hint: check that runc works/m);
  });

  it("start of a created container with runc hidden: exit 125; with runc back it runs", () => {
    const made = wharf(["create", image, "true"], {});
    expect(made.status, made.stderr).toBe(0);
    const id = made.stdout.trim();
    const r = wharf(["start", "-a", id], { over: join(dir, "not-executable") });
    expect(r.status, r.stderr).toBe(125);
    expect(r.stderr).toContain("cannot be executed");
    const ok = wharf(["start", "-a", id], {});
    expect(ok.status, ok.stderr).toBe(0);
    expect(wharf(["rm", id], {}).status).toBe(0);
  });
});

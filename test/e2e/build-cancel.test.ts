import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/**
 * ^C during a RUN step: the build stops as BuildKit's does (`#N CANCELED`, `Error: failed to solve:
 * Canceled: context canceled`, the shell's 130) and leaves nothing behind: no RUN container still
 * running, no overlay mounted, no runc state, no temp dirs. Before, Node died on the signal and
 * left all of them.
 */
describe("build interrupted", () => {
  let cli: WharfCli;
  let dir: string;

  beforeAll(async () => {
    cli = await wharfCli();
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-cancel-"));
  });

  afterAll(async () => {
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("stops the RUN, says CANCELED, exits 130 and cleans up", async () => {
    const ctx = join(dir, "ctx");
    mkdirSync(ctx);
    copyFileSync("/bin/busybox", join(ctx, "busybox"));
    const marker = `wharf-cancel-${process.pid}`;
    writeFileSync(
      join(ctx, "Dockerfile"),
      `FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "/bin/busybox sleep 30; echo ${marker}"]\n`,
    );
    const p = cli.spawn(["build", "--progress", "plain", "-t", "c:1", ctx]);
    await waitFor(() => processesWith(marker).length > 0);
    process.kill(p.pid, "SIGINT");
    const r = await p.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/\n#\d+ CANCELED\n/);
    expect(r.stderr).toMatch(/\nError: failed to solve: Canceled: context canceled\n$/);
    expect(processesWith(marker)).toEqual([]);
    expect(readFileSync("/proc/mounts", "utf8")).not.toContain(cli.root);
    const runc = join(cli.root, "runc");
    if (existsSync(runc))
      expect(readdirSync(runc, { withFileTypes: true }).filter((e) => e.isDirectory())).toEqual([]);
    expect(readdirSync(join(cli.root, "snapshots", "containers"))).toEqual([]);
    expect(readdirSync(join(cli.root, "tmp")).filter((n) => n.startsWith("build-"))).toEqual([]);
    // The root builds again (the COPY from the cache) once the RUN has something quick to do.
    writeFileSync(
      join(ctx, "Dockerfile"),
      'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "true"]\n',
    );
    expect((await cli.ok("build", "-q", "-t", "c:1", ctx)).trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
    await validateRoot(cli.root);
  }, 60_000);
});

/** PIDs whose command line contains `text`. */
function processesWith(text: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text)) out.push(Number(pid));
    } catch {}
  }
  return out;
}

async function waitFor(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 100));
  if (!ok()) throw new Error("timed out waiting");
}

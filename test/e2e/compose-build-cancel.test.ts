import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeE2E, composeIn, composeTeardown, writeProject } from "./helpers/compose.js";
import { buildLeftovers, childrenOf, NO_LEFTOVERS, processesWith, startOf } from "./helpers/procs.js";
import type { RunningRegistry } from "./helpers/registries.js";
import { validateRoot } from "./helpers/validate.js";
import type { Spawned, WharfCli } from "./helpers/wharf-cli.js";

/** The RUN's shell has it on its command line: its PID found in /proc. */
const MARKER = `wharf-compose-cancel-${process.pid}`;

/**
 * ^C during a build Compose starts (`compose build`, `up --build`, `watch`'s first): as Compose's, the build stops at
 * once (its RUN processes killed), `canceled` is printed, the status is 130; nothing is tagged nor
 * made, and a second ^C leaves no process behind. Before, the build ran to its end (30 s here).
 */
describe("compose: ^C during a build", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let proj: string;
  let f: string[];

  beforeAll(async () => {
    let image: string;
    ({ dir, reg, cli, image } = await composeE2E({
      name: "compose-cancel",
      repo: "composecancel",
      applets: ["sh", "echo", "sleep"],
    }));
    proj = await writeProject(join(dir, "proj"), {
      // spawn takes no environment: the image written in.
      "compose.yaml": `name: e2ecancel
services:
  slow:
    build: {context: ./slow, args: {BASE: ${image}}}
    command: [sleep, "300"]
    develop: {watch: [{path: ./slow, action: rebuild}]}
`,
      "slow/Dockerfile": `ARG BASE\nFROM \${BASE}\nRUN sleep 30; echo ${MARKER}\n`,
    });
    f = composeIn(proj);
  }, 120_000);

  afterAll(
    () => composeTeardown({ dir, reg, cli }, { commands: f ? [[...f, "down", "-t", "0"]] : [] }),
    120_000,
  );

  /** Starts `args`, waits for the RUN's shell and sleep, ^C after ~1 s; the end, its time, the PIDs seen. */
  const interrupt = async (args: string[], signals = 1) => {
    const p: Spawned = cli.spawn([...f, ...args]);
    try {
      const shells = await until(() => processesWith(MARKER), 60_000);
      const pids = [...shells, ...shells.flatMap(childrenOf)].map((pid) => ({ pid, start: startOf(pid) }));
      // The shell and its sleep.
      expect(pids.length).toBeGreaterThan(shells.length);
      await new Promise((r) => setTimeout(r, 1000));
      const t0 = Date.now();
      for (let i = 0; i < signals; i++) {
        process.kill(p.pid, "SIGINT");
        await new Promise((r) => setTimeout(r, 100));
      }
      const end = await p.done;
      return { end, ms: Date.now() - t0, pids };
    } finally {
      await p.kill9().catch(() => undefined);
    }
  };

  /** Nothing of the build left: its processes, mounts, snapshots and temp dirs; no image tagged. */
  const nothingLeft = async (pids: { pid: number; start: string | undefined }[]) => {
    expect(buildLeftovers(cli.root, pids, MARKER)).toEqual(NO_LEFTOVERS);
    const images = await cli.ok("images", "--format", "{{.Repository}}:{{.Tag}}");
    expect(images).not.toContain("e2ecancel-slow");
    await validateRoot(cli.root);
  };

  it("compose build: SIGINT stops the RUN, prints canceled, 130 within seconds, nothing tagged", async () => {
    const { end, ms, pids } = await interrupt(["build"]);
    expect(end.code, end.stderr).toBe(130);
    expect(ms).toBeLessThan(5_000);
    expect(end.stderr).toContain(" slow  Building");
    expect(end.stderr).toMatch(/\n#\d+ CANCELED\n/);
    expect(end.stderr).not.toContain(" slow  Built");
    expect(end.stderr).toMatch(/\ncanceled\n$/);
    await nothingLeft(pids);
  }, 180_000);

  it("up --build: the same, no container made; a second SIGINT leaves no process behind", async () => {
    const { end, ms, pids } = await interrupt(["up", "--build"], 2);
    expect(end.code, end.stderr).toBe(130);
    expect(ms).toBeLessThan(5_000);
    expect(end.stderr).toMatch(/\ncanceled\n$/);
    expect(end.stderr).not.toContain("Container e2ecancel-slow-1  Creat");
    await nothingLeft(pids);
    expect((await cli.run([...f, "ps", "-a", "-q"])).stdout.trim()).toBe("");
  }, 180_000);

  it("compose watch: SIGINT during its first build (its up) ends it the same way", async () => {
    const { end, ms, pids } = await interrupt(["watch"]);
    expect(end.code, end.stderr).toBe(130);
    expect(ms).toBeLessThan(5_000);
    expect(end.stderr).toMatch(/\ncanceled\n$/);
    expect(end.stdout).not.toContain("Watch enabled");
    await nothingLeft(pids);
    expect((await cli.run([...f, "ps", "-a", "-q"])).stdout.trim()).toBe("");
  }, 180_000);

  it("up building a missing image (no --build): SIGTERM cancels it too", async () => {
    const p = cli.spawn([...f, "up"]);
    try {
      const shells = await until(() => processesWith(MARKER), 60_000);
      expect(shells.length).toBeGreaterThan(0);
      const t0 = Date.now();
      process.kill(p.pid, "SIGTERM");
      const end = await p.done;
      expect(end.code, end.stderr).toBe(130);
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(processesWith(MARKER)).toEqual([]);
      expect((await cli.run([...f, "ps", "-a", "-q"])).stdout.trim()).toBe("");
    } finally {
      await p.kill9().catch(() => undefined);
    }
  }, 180_000);
});

/** Polls `f` until it gives a non-empty list (bounded). */
async function until(f: () => number[], ms: number): Promise<number[]> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v.length > 0 || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

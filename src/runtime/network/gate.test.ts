import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { WharfError } from "../../errors/index.js";
import type { ContainerRecord, RuntimeContext } from "../types.js";
import { completeNetwork, openGate } from "./gate.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A gate FIFO, opened as a start opens it, and the hook's command run against it. */
function fifo(): { path: string; hook: () => { status: number | null; ms: number } } {
  const dir = mkdtempSync(join(tmpdir(), "wharf-gate-"));
  dirs.push(dir);
  const path = join(dir, "network.gate");
  execFileSync("mkfifo", [path]);
  return {
    path,
    hook: () => {
      const t0 = Date.now();
      const r = spawnSync("grep", ["-q", "^ok$", path], { timeout: 5000 });
      return { status: r.status, ms: Date.now() - t0 };
    },
  };
}

const ctx = { root: "/nonexistent" } as RuntimeContext;
const rec = { id: "0".repeat(64) } as ContainerRecord;

describe("the network gate", () => {
  it("a network that fails before the hook opens the gate fails the hook at once (not at its timeout)", async () => {
    const f = fifo();
    const gate = openGate(f.path);
    expect(gate).toBeDefined();
    const late = Promise.reject(new WharfError("runtime", "no IP addresses available"));
    const n = completeNetwork(ctx, rec, { ...(gate ? { gate } : {}), late });
    await n.done;
    expect(n.error()?.message).toContain("no IP addresses available");
    // The hook starts only now: before, its open of the FIFO waited for a writer that was gone.
    const r = f.hook();
    expect(r.status).toBe(1);
    expect(r.ms).toBeLessThan(2000);
  });

  it("a network that completes opens it: the hook, early or late, reads ok", async () => {
    const f = fifo();
    const gate = openGate(f.path);
    const n = completeNetwork(ctx, rec, { ...(gate ? { gate } : {}), late: Promise.resolve({}) });
    await n.done;
    expect(f.hook().status).toBe(0);
    n.close();
  });
});

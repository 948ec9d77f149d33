import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { WharfError } from "../../errors/index.js";
import type { ContainerRecord, RuntimeContext } from "../types.js";
import { completeNetwork, gateHooks, openGate } from "./gate.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** runc's state on a hook's stdin. */
const STATE = `${JSON.stringify({ ociVersion: "1.0.2-dev", id: "x", status: "creating", pid: 1, bundle: "/b" })}\n`;

/** A gate FIFO, opened as a start opens it, and the spec's hook run against it as runc runs it. */
function fifo(): { path: string; hook: () => { status: number | null; ms: number } } {
  const dir = mkdtempSync(join(tmpdir(), "wharf-gate-"));
  dirs.push(dir);
  const path = join(dir, "network.gate");
  execFileSync("mkfifo", [path]);
  return {
    path,
    hook: () => {
      const [h] = gateHooks({ path, fd: -1 });
      const t0 = Date.now();
      const r = spawnSync(h?.path ?? "", h?.args.slice(1) ?? [], { input: STATE, timeout: 5000 });
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

  it("the hook, on an open gate, reads runc's state to its end before it ends (no EPIPE for runc)", async () => {
    const f = fifo();
    const gate = openGate(f.path);
    const n = completeNetwork(ctx, rec, { ...(gate ? { gate } : {}), late: Promise.resolve({}) });
    await n.done;
    const [h] = gateHooks({ path: f.path, fd: -1 });
    const child = spawn(h?.path ?? "", h?.args.slice(1) ?? [], { stdio: ["pipe", "ignore", "ignore"] });
    let exited = false;
    const ended = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => {
        exited = true;
        resolve(code);
      }),
    );
    // runc writes the state a moment after the hook starts: the hook must still be there to take it.
    await new Promise((r) => setTimeout(r, 300));
    expect(exited).toBe(false);
    const wrote = new Promise<Error | null | undefined>((resolve) =>
      child.stdin?.write(STATE, (e) => {
        child.stdin?.end();
        resolve(e);
      }),
    );
    child.stdin?.on("error", () => undefined);
    expect(await wrote).toBeFalsy();
    expect(await ended).toBe(0);
    n.close();
  });
});

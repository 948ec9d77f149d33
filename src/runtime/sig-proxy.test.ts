import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { foregroundIO, runForeground } from "./lifecycle.js";
import { type Harness, harness, Sink } from "./testing/harness.js";

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.cleanup();
});

const SCRIPT = ["sh", "-c", 'trap "echo got-term; exit 7" TERM; sleep 1 & wait; echo finished'];

/** Runs the script in the foreground and sends this process SIGTERM while it runs. */
async function termDuring(sigProxy: boolean | undefined): Promise<{ code: number; out: string }> {
  const rec = await h.create({ args: SCRIPT });
  const out = new Sink();
  const o = { stdout: out, stderr: new Sink(), ...(sigProxy === undefined ? {} : { sigProxy }) };
  const kill = setTimeout(() => process.kill(process.pid, "SIGTERM"), 400);
  try {
    return { code: await runForeground(h.ctx, rec.id, o), out: out.text };
  } finally {
    clearTimeout(kill);
  }
}

describe("--sig-proxy", () => {
  it("passes this process's signals on by default, and not with --sig-proxy=false", async () => {
    const rec = await h.create({ args: ["true"] });
    expect(foregroundIO(rec, { stdout: new Sink(), stderr: new Sink() }).forwardSignals).toBe(true);
    expect(
      foregroundIO(rec, { stdout: new Sink(), stderr: new Sink(), sigProxy: false }).forwardSignals,
    ).toBe(false);
    expect(await termDuring(undefined)).toEqual({ code: 7, out: "got-term\n" });
    // Not passed on, and this process (which would end on SIGTERM) goes on following the container.
    expect(await termDuring(false)).toEqual({ code: 0, out: "finished\n" });
    expect(process.listenerCount("SIGTERM")).toBe(0);
  }, 20_000);
});

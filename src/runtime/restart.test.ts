import { describe, expect, it } from "vitest";
import { readEvents, type WharfEvent } from "./events.js";
import { inspectContainer, statusText } from "./inspect.js";
import { startContainer } from "./lifecycle.js";
import { killContainer, stopContainer, waitContainer } from "./ops.js";
import { getContainer, pollRecord } from "./reconcile.js";
import { removeContainer } from "./remove.js";
import { nextBackoff, parseRestartPolicy, shouldRestart } from "./restart.js";
import { type Harness, shimHarnessEach } from "./testing/harness.js";
import { updateContainer } from "./verbs.js";

let h: Harness;
shimHarnessEach((x) => {
  h = x;
});

async function eventsOf(id: string, action: string): Promise<WharfEvent[]> {
  const out: WharfEvent[] = [];
  for await (const e of readEvents(h.ctx)) if (e.Actor.ID === id && e.Action === action) out.push(e);
  return out;
}

describe("restart policies: the rules", () => {
  it("parses Docker's policies and refuses the rest", () => {
    expect(parseRestartPolicy("no")).toEqual({ name: "no", maximumRetryCount: 0 });
    expect(parseRestartPolicy("on-failure:3")).toEqual({ name: "on-failure", maximumRetryCount: 3 });
    expect(parseRestartPolicy("unless-stopped")).toEqual({ name: "unless-stopped", maximumRetryCount: 0 });
    expect(() => parseRestartPolicy("always:2")).toThrow(
      "maximum retry count cannot be used with restart policy 'always'",
    );
    expect(() => parseRestartPolicy("sometimes")).toThrow("invalid restart policy format: sometimes");
  });

  it("decides as Docker's restart manager, with its back-off", () => {
    const onFailure = parseRestartPolicy("on-failure:2");
    expect(shouldRestart(onFailure, 1, false, 0)).toBe(true);
    expect(shouldRestart(onFailure, 1, false, 2)).toBe(false);
    expect(shouldRestart(onFailure, 0, false, 0)).toBe(false);
    expect(shouldRestart(parseRestartPolicy("always"), 0, false, 99)).toBe(true);
    expect(shouldRestart(parseRestartPolicy("always"), 0, true, 0)).toBe(false);
    expect(shouldRestart(undefined, 1, false, 0)).toBe(false);
    let b = 0;
    const seen: number[] = [];
    for (let i = 0; i < 12; i++) {
      b = nextBackoff(b, 50);
      seen.push(b);
    }
    expect(seen.slice(0, 4)).toEqual([100, 200, 400, 800]);
    expect(seen.at(-1)).toBe(60_000);
    expect(nextBackoff(60_000, 10_000)).toBe(100);
  });
});

describe("restart policies: the keeper", () => {
  it("on-failure:3 restarts exactly three times, with a growing back-off, then leaves it exited", async () => {
    const rec = await h.create({
      args: ["sh", "-c", "echo run; exit 3"],
      restart: parseRestartPolicy("on-failure:3"),
    });
    await startContainer(h.ctx, rec.id);
    const end = await pollRecord(
      h.ctx,
      rec.id,
      (r) => r.state === "exited" && !r.restarting && r.monitorPid === undefined,
      20_000,
    );
    expect(end).toMatchObject({ exitCode: 3, restartCount: 3 });
    const starts = await eventsOf(rec.id, "start");
    const dies = await eventsOf(rec.id, "die");
    expect(starts.length).toBe(4);
    expect(dies.map((d) => d.Actor.Attributes.exitCode)).toEqual(["3", "3", "3", "3"]);
    // Each restart waits longer than the one before (100, 200, 400 ms).
    const gaps = [1, 2, 3].map((i) => ((starts[i]?.timeNano ?? 0) - (dies[i - 1]?.timeNano ?? 0)) / 1e6);
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    expect(gaps[2]).toBeGreaterThanOrEqual(395);
    expect(await waitContainer(h.ctx, rec.id)).toBe(3);
    const insp = inspectContainer(h.ctx, await getContainer(h.ctx, rec.id)) as {
      RestartCount: number;
      HostConfig: { RestartPolicy: unknown };
    };
    expect(insp.RestartCount).toBe(3);
    expect(insp.HostConfig.RestartPolicy).toEqual({ Name: "on-failure", MaximumRetryCount: 3 });
  });

  it("always: restarts after a clean exit; stop ends it for good and a start counts afresh", async () => {
    const rec = await h.create({ args: ["sh", "-c", "sleep 0.2"], restart: parseRestartPolicy("always") });
    await startContainer(h.ctx, rec.id);
    const twice = await pollRecord(h.ctx, rec.id, (r) => r.restartCount >= 2, 10_000);
    expect(twice?.restartCount).toBeGreaterThanOrEqual(2);
    const restarting = await pollRecord(h.ctx, rec.id, (r) => r.restarting === true, 10_000);
    expect(statusText(restarting ?? (await getContainer(h.ctx, rec.id)))).toMatch(
      /^Restarting \(0\) (Less than a second|\d+ seconds?) ago$/,
    );
    const stopped = await stopContainer(h.ctx, rec.id, { timeout: 1 });
    expect(stopped.state).toBe("exited");
    const settled = await pollRecord(h.ctx, rec.id, (r) => !r.restarting && r.monitorPid === undefined, 5000);
    const count = settled?.restartCount ?? -1;
    await new Promise((r) => setTimeout(r, 700));
    expect((await getContainer(h.ctx, rec.id)).restartCount).toBe(count);
    expect((await getContainer(h.ctx, rec.id)).state).toBe("exited");
    const again = await startContainer(h.ctx, rec.id);
    expect(again.restartCount).toBe(0);
    await removeContainer(h.ctx, rec.id, { force: true });
    await expect(getContainer(h.ctx, rec.id)).rejects.toThrow(/No such container/);
  });

  it("unless-stopped: a SIGKILL by the user is a stop; update --restart no ends the restarts", async () => {
    const rec = await h.create({
      args: ["sh", "-c", "sleep 30"],
      restart: parseRestartPolicy("unless-stopped"),
    });
    await startContainer(h.ctx, rec.id);
    await killContainer(h.ctx, rec.id, "KILL");
    const ended = await pollRecord(
      h.ctx,
      rec.id,
      (r) => r.state === "exited" && r.monitorPid === undefined,
      5000,
    );
    expect(ended).toMatchObject({ exitCode: 137, restartCount: 0, manualStop: true });
    // A restart policy changed while it runs is the one its keeper applies at its end.
    const other = await h.create({ args: ["sh", "-c", "exit 1"], restart: parseRestartPolicy("always") });
    await startContainer(h.ctx, other.id);
    await pollRecord(h.ctx, other.id, (r) => r.restartCount >= 1, 10_000);
    await updateContainer(h.ctx, other.id, { restart: parseRestartPolicy("no") });
    const done = await pollRecord(
      h.ctx,
      other.id,
      (r) => r.state === "exited" && r.monitorPid === undefined,
      10_000,
    );
    const n = done?.restartCount ?? -1;
    await new Promise((r) => setTimeout(r, 500));
    expect((await getContainer(h.ctx, other.id)).restartCount).toBe(n);
  });
});

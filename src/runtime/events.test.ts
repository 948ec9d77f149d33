import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  appendEvent,
  containerEvent,
  eventLogPath,
  flushEvents,
  nowNs,
  readEvents,
  type WharfEvent,
} from "./events.js";
import type { RuntimeContext } from "./types.js";

let ctx: RuntimeContext;
beforeEach(async () => {
  ctx = { root: join(await mkdtemp(join(tmpdir(), "wharf-events-")), "root") };
});
afterEach(async () => {
  await rm(join(ctx.root, ".."), { recursive: true, force: true });
});

async function all(opts: Parameters<typeof readEvents>[1] = {}): Promise<WharfEvent[]> {
  const out: WharfEvent[] = [];
  for await (const e of readEvents(ctx, opts)) out.push(e);
  return out;
}

describe("the event log", () => {
  it("holds a process's events until a flush, writes them in time order, and filters by time", async () => {
    const rec = { id: "c1", image: "busybox", name: "web", options: { labels: { tier: "front" } } };
    containerEvent(ctx, rec, "create");
    const mid = Number(nowNs());
    containerEvent(ctx, rec, "die", { exitCode: "3" });
    appendEvent(ctx, {
      Type: "volume",
      Action: "create",
      Actor: { ID: "v", Attributes: { driver: "local" } },
    });
    flushEvents();
    const got = await all();
    expect(got.map((e) => `${e.Type} ${e.Action}`)).toEqual([
      "container create",
      "container die",
      "volume create",
    ]);
    expect(got[1]?.Actor).toEqual({
      ID: "c1",
      Attributes: { tier: "front", image: "busybox", name: "web", exitCode: "3" },
    });
    expect(got[0]?.scope).toBe("local");
    expect(got[0]?.time).toBe(Math.floor((got[0]?.timeNano ?? 0) / 1e9));
    expect((await all({ since: mid })).map((e) => e.Action)).toEqual(["die", "create"]);
    expect((await all({ until: mid })).map((e) => e.Action)).toEqual(["create"]);
    expect(eventLogPath(ctx)).toBe(join(ctx.root, "events.log"));
  });

  it("follows: events appended later are read as they come, until `until` passes", async () => {
    const start = Number(nowNs());
    const got: string[] = [];
    const reading = (async () => {
      for await (const e of readEvents(ctx, {
        since: start,
        until: start + 600e6,
        follow: true,
        pollMs: 20,
      })) {
        got.push(e.Action);
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    appendEvent(ctx, { Type: "container", Action: "start", Actor: { ID: "x", Attributes: {} } });
    flushEvents();
    await reading;
    expect(got).toEqual(["start"]);
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readEvents, type WharfEvent } from "../events.js";
import type { RuntimeContext } from "../types.js";
import { endpointEvents, networkEvent, networkPruneEvent } from "./events.js";

let ctx: RuntimeContext;
beforeEach(async () => {
  ctx = { root: join(await mkdtemp(join(tmpdir(), "wharf-net-events-")), "root") };
});
afterEach(async () => {
  await rm(join(ctx.root, ".."), { recursive: true, force: true });
});

async function all(): Promise<WharfEvent[]> {
  const out: WharfEvent[] = [];
  for await (const e of readEvents(ctx)) out.push(e);
  return out;
}

const brief = (e: WharfEvent) => [e.Type, e.Action, e.Actor.ID, e.Actor.Attributes];

describe("network events", () => {
  it("as Docker's LogNetworkEvent: the network's ID, its name and driver type, a container's ID", async () => {
    const net = { Id: "n".repeat(64), Name: "front", Driver: "bridge" };
    networkEvent(ctx, net, "create");
    endpointEvents(
      ctx,
      "c".repeat(64),
      [
        { network: "front", networkId: net.Id },
        { network: "back", networkId: "b".repeat(64) },
      ],
      "connect",
    );
    networkEvent(ctx, net, "disconnect", { container: "c".repeat(64) });
    networkEvent(ctx, { ...net, Name: "host", Driver: "host" }, "destroy");
    networkPruneEvent(ctx);
    const attrs = { name: "front", type: "bridge" };
    expect((await all()).map(brief)).toEqual([
      ["network", "create", net.Id, attrs],
      ["network", "connect", net.Id, { container: "c".repeat(64), ...attrs }],
      ["network", "connect", "b".repeat(64), { container: "c".repeat(64), name: "back", type: "bridge" }],
      ["network", "disconnect", net.Id, { container: "c".repeat(64), ...attrs }],
      ["network", "destroy", net.Id, { name: "host", type: "host" }],
      ["network", "prune", "", { reclaimed: "0" }],
    ]);
  });
});

/**
 * Network events, as Docker's daemon logs them (`LogNetworkEventWithAttributes`): the Actor is the
 * network's ID, its attributes the network's `name` and `type` (its driver: `bridge`, `host`,
 * `null`), and for `connect`/`disconnect` the container's full ID. `create` and `destroy` come from
 * `network create`/`rm`/`prune`, `connect` and `disconnect` from a start's and an end's endpoints
 * and from `network connect`/`disconnect` on a running container. Recorded in memory and written
 * once (events.ts): a start pays no file read for them.
 */
import { appendEvent } from "../events.js";
import type { RuntimeContext } from "../types.js";

/** What an event needs of a network: its ID, name and driver. */
export interface NetworkActor {
  Id: string;
  Name: string;
  Driver: string;
}

/** Records one network event (`extra`: `container=<id>` for connect and disconnect). */
export function networkEvent(
  ctx: RuntimeContext,
  net: NetworkActor,
  action: "create" | "connect" | "disconnect" | "destroy",
  extra: Record<string, string> = {},
): void {
  appendEvent(ctx, {
    Type: "network",
    Action: action,
    Actor: { ID: net.Id, Attributes: { ...extra, name: net.Name, type: net.Driver } },
  });
}

/**
 * `connect` (a start's endpoints made) or `disconnect` (released) for each endpoint of a
 * container: endpoints are on bridge networks only.
 */
export function endpointEvents(
  ctx: RuntimeContext,
  containerId: string,
  endpoints: readonly { network: string; networkId: string }[],
  action: "connect" | "disconnect",
): void {
  for (const e of endpoints) {
    networkEvent(ctx, { Id: e.networkId, Name: e.network, Driver: "bridge" }, action, {
      container: containerId,
    });
  }
}

/** `network prune`'s event (Docker's: no Actor ID, `reclaimed=0`), after the networks' `destroy`s. */
export function networkPruneEvent(ctx: RuntimeContext): void {
  appendEvent(ctx, { Type: "network", Action: "prune", Actor: { ID: "", Attributes: { reclaimed: "0" } } });
}

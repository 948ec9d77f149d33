/**
 * The hooks the container lifecycle calls (monitor, remove, reconcile): small, so that a
 * container without a network of its own pays one check and loads nothing more.
 */
import { existsSync } from "node:fs";
import type { ContainerRecord, RuntimeContext } from "../types.js";
import type { NetSetup } from "./attach.js";
import { netnsPath } from "./layout.js";

/** Whether a start of this container makes a network of its own (a bridge network, `container:`). */
export function ownNetwork(rec: ContainerRecord): boolean {
  const m = rec.options.network;
  return m !== "host" && m !== "none";
}

/** Starts the network set-up of a start, when the container has one (see attach.ts). */
export function startNetwork(
  ctx: RuntimeContext,
  rec: ContainerRecord,
  hostname: string,
): Promise<NetSetup> | undefined {
  if (!ownNetwork(rec)) return undefined;
  return import("./attach.js").then((m) => m.attachNetworks(ctx, rec, hostname, { gate: true }));
}

/** Whether anything of a start's network may be left: state in the record, or its namespace. */
export function networkLeft(rec: ContainerRecord): boolean {
  if (rec.net) return true;
  const m = rec.options.network ?? "default";
  if (m === "host" || m === "none" || m.startsWith("container:")) return false;
  return existsSync(netnsPath(rec.id));
}

/**
 * Releases the network of a container that has ended (idempotent). A failure is a warning, not
 * an error: the container has ended all the same, and the next release or `network prune` retries.
 */
export async function releaseNetwork(ctx: RuntimeContext, rec: ContainerRecord): Promise<void> {
  if (!networkLeft(rec)) return;
  try {
    await (await import("./detach.js")).releaseNetworks(ctx, rec);
  } catch (e) {
    ctx.onWarning?.(`releasing the network of container ${rec.id.slice(0, 12)}: ${(e as Error).message}`);
  }
}

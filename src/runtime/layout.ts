/** Where the runtime keeps its files under the wharf root (see the README's "On disk"). */
import { join } from "node:path";
import type { RuntimeContext } from "./types.js";

/** A container ID: 64 lower-case hex digits. */
export const ID_RE = /^[0-9a-f]{64}$/;

export function containersDir(ctx: RuntimeContext): string {
  return join(ctx.root, "containers");
}

export function containerDir(ctx: RuntimeContext, id: string): string {
  return join(containersDir(ctx), id);
}

/** runc's own state directory, apart from any other runc user's. */
export function runcRoot(ctx: RuntimeContext): string {
  return join(ctx.root, "runc");
}

/** A live (created or running) container's record. */
export function recordPath(ctx: RuntimeContext, id: string): string {
  return join(containerDir(ctx, id), "config.json");
}

/** The records of exited containers, in one file: a JSON object from ID to record. */
export function packPath(ctx: RuntimeContext): string {
  return join(containersDir(ctx), "exited.json");
}

/** The root's lock: held to allocate a container (names stay unique) and to change the pack. */
export function rootLockPath(ctx: RuntimeContext): string {
  return join(containersDir(ctx), ".lock");
}

/** The containers' locks, outside their directories (which go when they hold nothing of value). */
export function locksDir(ctx: RuntimeContext): string {
  return join(containersDir(ctx), ".locks");
}

export function containerLockPath(ctx: RuntimeContext, id: string): string {
  return join(locksDir(ctx), id);
}

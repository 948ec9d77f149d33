/** Where a volume lives and what `volume.json` says of it (`volumes.ts` makes and removes them). */
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { errnoCode } from "../errors/index.js";
import { withLock } from "../files/index.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

/** A volume name as Docker's local driver takes it (it names a directory under the root). */
export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export interface VolumeMeta {
  name: string;
  createdAt: string;
  labels: Record<string, string> | null;
  anonymous?: boolean;
  /** The local driver's options (`type`, `device`, `o`): a filesystem mounted while in use. */
  options?: Record<string, string>;
}

export function volumesDir(ctx: RuntimeContext): string {
  return join(ctx.root, "volumes");
}

/** What a container mounts for volume `name`. */
export function volumeDataPath(ctx: RuntimeContext, name: string): string {
  return join(volumesDir(ctx), name, "_data");
}

export function metaPath(ctx: RuntimeContext, name: string): string {
  return join(volumesDir(ctx), name, "volume.json");
}

export function withVolumesLock<T>(ctx: RuntimeContext, fn: () => Promise<T>): Promise<T> {
  mkdirSync(volumesDir(ctx), { recursive: true });
  return withLock(join(volumesDir(ctx), ".lock"), fn);
}

/** The local driver options of volume `name`, if it has any. */
export function volumeOptions(ctx: RuntimeContext, name: string): Record<string, string> | undefined {
  return VOLUME_NAME.test(name) ? readMeta(ctx, name)?.options : undefined;
}

/** The metadata of a volume, or undefined when there is no such volume (a directory without `_data`). */
export function readMeta(ctx: RuntimeContext, name: string): VolumeMeta | undefined {
  try {
    return JSON.parse(readFileSync(metaPath(ctx, name), "utf8")) as VolumeMeta;
  } catch (e) {
    if (errnoCode(e) !== "ENOENT") throw e;
  }
  // A volume made before volumes had metadata: its directory's time is its creation.
  try {
    const st = statSync(volumeDataPath(ctx, name));
    return { name, createdAt: st.mtime.toISOString(), labels: null };
  } catch {
    return undefined;
  }
}

/** The named volumes of a container's mounts (anonymous ones included: they have names too). */
export function volumeNames(rec: ContainerRecord): string[] {
  return (rec.options.mounts ?? [])
    .filter((m) => m.type === "volume" && m.source !== "")
    .map((m) => m.source);
}

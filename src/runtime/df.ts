/** What `system df` needs of the runtime: each container's writable layer and each volume's size. */
import { join } from "node:path";
import { contentBytes } from "./du.js";
import { listContainers } from "./reconcile.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";
import { listVolumes, type VolumeInfo, volumeUsers } from "./volumes.js";

export interface ContainerUsage {
  rec: ContainerRecord;
  /** Bytes the container wrote: its overlay upper dir (its whole tree in copy mode). */
  size: number;
}

export interface VolumeUsage {
  volume: VolumeInfo;
  size: number;
  /** How many containers mount it. */
  links: number;
}

/** Docker's `SizeRw`: the bytes of the files a container wrote (its overlay upper dir, or its copy). */
export async function containerRwBytes(rec: ContainerRecord): Promise<number> {
  const p = rec.rootfs.prepared;
  const dir = p ? (p.mode === "overlay" ? join(p.dir, "upper") : p.dir) : undefined;
  return dir ? contentBytes(dir) : 0;
}

export async function containerUsage(ctx: RuntimeContext): Promise<ContainerUsage[]> {
  const out: ContainerUsage[] = [];
  for (const rec of await listContainers(ctx)) out.push({ rec, size: await containerRwBytes(rec) });
  return out;
}

export async function volumeUsage(ctx: RuntimeContext): Promise<VolumeUsage[]> {
  const users = await volumeUsers(ctx);
  const out: VolumeUsage[] = [];
  for (const volume of await listVolumes(ctx)) {
    out.push({
      volume,
      size: await contentBytes(volume.Mountpoint),
      links: users.get(volume.Name)?.length ?? 0,
    });
  }
  return out;
}

import type { ContainerRecord, RuntimeContext } from "./types.js";
import { volumeNames, volumeOptions, withVolumesLock } from "./volume-meta.js";
import { acquireVolumeMount, releaseVolumeMount } from "./volume-mounts.js";

/**
 * A container that mounts volume `name` is starting: a volume with driver options gets its
 * filesystem mounted (if it is not) and the container counted among its users.
 */
export async function mountVolumeFor(ctx: RuntimeContext, name: string, id: string): Promise<void> {
  const options = volumeOptions(ctx, name);
  if (!options) return;
  await withVolumesLock(ctx, () => acquireVolumeMount(ctx, name, options, id));
}

/** A container has ended or is gone: it leaves its volumes' users; the last one out unmounts. */
export async function unmountVolumesOf(ctx: RuntimeContext, rec: ContainerRecord): Promise<void> {
  const mounted = volumeNames(rec).filter((n) => volumeOptions(ctx, n));
  if (mounted.length === 0) return;
  await withVolumesLock(ctx, async () => {
    for (const n of mounted) await releaseVolumeMount(ctx, n, rec.id);
  });
}

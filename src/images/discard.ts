import type { Digest } from "../digest/index.js";
import { ANNOTATION, REF_NAME } from "./entries.js";
import { reachable } from "./gc.js";
import type { Images } from "./images.js";

/**
 * Deletes those of `digests` (blobs a command itself added, e.g. `load`) that no `index.json` entry
 * reaches and no other live instance leases, under the records lock as garbage collection does.
 * Unlike a collection it touches nothing else: a failed load leaves the store as it found it, and
 * a successful one drops the files of the archive that its images do not use. An index's entries
 * in `leaveOut` are not followed: what only they reach goes too (`load --platform` keeps one
 * platform of a multi-platform archive, as a pull for one platform stores it).
 */
export async function discardUnreached(
  images: Images,
  digests: Iterable<Digest>,
  leaveOut?: ReadonlySet<Digest>,
): Promise<Digest[]> {
  const list = [...new Set(digests)];
  if (list.length === 0) return [];
  return images.records.update(async (descs) => {
    const live = await reachable(images.content, descs, leaveOut);
    for (const d of await images.leased()) live.add(d);
    const gone = list.filter((d) => !live.has(d));
    for (const d of gone) await images.content.delete(d);
    return gone;
  });
}

/**
 * Removes the unnamed entries (`<none>` images) whose target is one of `manifests`: what a
 * multi-platform build recorded for its platforms before it failed. Their blobs are left to
 * garbage collection, as a failed build's layers are.
 */
export async function forgetUnnamed(images: Images, manifests: Iterable<Digest>): Promise<void> {
  const targets = new Set<string>(manifests);
  if (targets.size === 0) return;
  await images.records.update(async (descs) => {
    for (let i = descs.length - 1; i >= 0; i--) {
      const a = descs[i]?.annotations ?? {};
      if (
        targets.has(descs[i]?.digest ?? "") &&
        a[ANNOTATION.id] !== undefined &&
        a[REF_NAME] === undefined
      ) {
        descs.splice(i, 1);
      }
    }
  });
}

/**
 * `--mount type=image`: each mounted image resolved at create (a name, a short or full ID) in the
 * local store, as Docker's daemon resolves it: a missing one is `No such image: NAME` and is not
 * pulled. Its layers are unpacked when they are not, and the layers that make the mount (its
 * `image-subpath`) are found now, so that a start only writes the spec mount
 * (rootfs/image-mount.ts). Loaded only by a container that has an image mount.
 */
import { join } from "node:path";
import { isWharfError, WharfError } from "../../errors/index.js";
import { openImages, readConfig, readManifest, resolveImage } from "../../images/index.js";
import { familiarString, parseReference } from "../../reference/index.js";
import { ensureLayers, imageMountLowers, snapshotLayout } from "../../rootfs/index.js";
import type { MountSpec } from "../../runtime/index.js";

/** Docker's words for a mounted image that is not here: the name with its tag. */
function missing(source: string): WharfError {
  let shown = source;
  try {
    const ref = parseReference(source);
    shown = familiarString(
      ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: "latest" } : ref,
    );
  } catch {
    // An ID or a prefix of one: as given.
  }
  return new WharfError("image-not-found", `No such image: ${shown}`, {
    hint: "pull or build the image to mount first (an image mount does not pull it)",
  });
}

/** The mounts with every image mount resolved (`MountSpec.image`); other mounts as they are. */
export async function resolveImageMounts(root: string, mounts: readonly MountSpec[]): Promise<MountSpec[]> {
  const images = await openImages(root);
  const snapshots = join(root, "snapshots");
  const layout = snapshotLayout(snapshots);
  try {
    const out: MountSpec[] = [];
    for (const m of mounts) {
      if (m.type !== "image" || m.image) {
        out.push(m);
        continue;
      }
      const resolved = await resolveImage(images, m.source).catch((e: unknown) => {
        throw isWharfError(e, "image-not-found") ? missing(m.source) : e;
      });
      const entry = resolved.entry ?? resolved.image.entries[0];
      if (!entry) throw missing(m.source);
      const [{ manifest }, { config }] = await Promise.all([
        readManifest(images.content, entry.manifest),
        readConfig(images.content, resolved.image.id),
      ]);
      const chainIds = await ensureLayers({
        layout,
        store: images.content,
        layers: manifest.layers,
        diffIds: config.rootfs.diff_ids,
      });
      if (chainIds.length === 0) {
        throw new WharfError(
          "invalid-argument",
          `invalid mount config for type "image": ${m.source} has no layers`,
        );
      }
      const lowers = await imageMountLowers(snapshots, chainIds, m.imageSubpath, m.source);
      const { imageSubpath: sub, ...rest } = m;
      out.push({
        ...rest,
        readOnly: true,
        image: { id: resolved.image.id, chainIds, ...(sub ? { subpath: sub } : {}), lowers },
      });
    }
    return out;
  } finally {
    await images.close();
  }
}

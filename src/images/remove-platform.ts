import { type Digest, shortHex } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import {
  type Descriptor,
  formatPlatform,
  hostPlatform,
  isIndexMediaType,
  type Platform,
  selectPlatform,
} from "../oci/index.js";
import { familiarString } from "../reference/index.js";
import { ANNOTATION, type Entry, entriesOf, targetOf } from "./entries.js";
import { collectGarbage, reachable } from "./gc.js";
import type { Images } from "./images.js";
import { type IndexPlatform, indexPlatforms, strictPlatformMatch } from "./index-platforms.js";
import type { ContainersUsing, DeleteRecord } from "./remove.js";
import { resolveIn } from "./resolve.js";

export interface RemovePlatformOptions {
  /** Docker requires it: the platform's content goes for every image that references it. */
  force?: boolean;
  /** Leave the platform's config and layers for the next collection (`rmi --no-prune`). */
  noPrune?: boolean;
  containers?: ContainersUsing;
  /** The platform an entry is re-recorded for when its own goes; this machine's by default. */
  host?: Platform;
}

/** The message Docker 28's daemon refuses `rmi --platform` without `--force` with (its own em dash). */
export const PLATFORM_FORCE_MESSAGE =
  "Content will be removed from all images referencing this variant. Use —-force to force delete.";

function label(e: Entry): string {
  return e.ref ? familiarString(e.ref) : shortHex(e.id);
}

function conflict(what: string, message: string, hint: string): WharfError {
  return new WharfError("conflict", `conflict: unable to delete ${what} (cannot be forced) - ${message}`, {
    hint,
  });
}

/** The stored platforms of `index` that `wants` name (strictly, as containerd's `OnlyStrict`). */
function pick(plats: readonly IndexPlatform[], wants: readonly Platform[], e: Entry): IndexPlatform[] {
  const chosen: IndexPlatform[] = [];
  for (const want of wants) {
    const hit = plats.find((p) => p.present && strictPlatformMatch(want, p.platform));
    if (!hit) {
      throw new WharfError(
        "platform-mismatch",
        `failed to delete platform ${formatPlatform(want)} for image ${e.id}: image with reference ${label(e)} was found but does not provide the specified platform`,
        { hint: `list the image's platforms with \`wharf images --tree\`` },
      );
    }
    if (!chosen.includes(hit)) chosen.push(hit);
  }
  return chosen;
}

/**
 * The first image (by `index.json` order) other than the entries of `top` whose graph reaches one of
 * `digests`: removing them would take content from it.
 */
async function otherUser(
  images: Images,
  descs: readonly Descriptor[],
  top: Digest,
  digests: ReadonlySet<Digest>,
): Promise<{ desc: Descriptor; digest: Digest } | undefined> {
  for (const d of descs) {
    if (d.digest === top) continue;
    for (const r of await reachable(images.content, [d])) {
      if (digests.has(r)) return { desc: d, digest: r };
    }
  }
  return undefined;
}

/**
 * `docker image rm --platform P[,P2] --force IMAGE` as Docker 28's containerd image store does it:
 * the platforms' image manifests are deleted from the store, the index and every name stay, and the
 * platforms' configs and layers that nothing else reaches go with the collection that follows
 * (none with `noPrune`: the next one). Reports `Deleted: <manifest digest>` for each platform.
 *
 * Safer than Docker where Docker deletes shared content outright: a platform manifest that another
 * image reaches (another index, or an image recorded by that manifest) is refused, never deleted;
 * a platform a running container uses is refused; the last stored platform is refused (that is
 * removing the image: `rmi IMAGE`). When the platform the names record for this machine goes, every
 * entry of the index is re-recorded with the best remaining platform for `host` (else the first
 * stored one), as Docker then serves any present platform: the image ID becomes that platform's.
 */
export async function removeImagePlatforms(
  images: Images,
  input: string,
  wants: readonly Platform[],
  opts: RemovePlatformOptions = {},
): Promise<DeleteRecord[]> {
  if (!opts.force) {
    throw new WharfError("invalid-argument", PLATFORM_FORCE_MESSAGE, {
      hint: "add --force (-f): content other images use is kept",
    });
  }
  const report = await images.records.update(async (descs) => {
    const r = resolveIn(entriesOf(descs), input);
    const entry = (r.entry ?? r.image.entries[0]) as Entry;
    const top = entry.desc;
    if (!isIndexMediaType(top.mediaType)) {
      throw new WharfError(
        "invalid-argument",
        `image ${label(entry)} is not a multi-platform image: --platform removes a platform of an image index`,
        { hint: `remove the image itself: wharf rmi ${label(entry)}` },
      );
    }
    const plats = await indexPlatforms(images.content, targetOf(top));
    const chosen = pick(plats, wants, entry);
    const removed = new Set<Digest>(chosen.map((c) => c.descriptor.digest));
    const left = plats.filter((p) => p.available && !removed.has(p.descriptor.digest));
    if (left.length === 0) {
      throw conflict(
        label(entry),
        `${chosen.map((c) => formatPlatform(c.platform)).join(", ")} is the last platform of the image stored here`,
        `remove the image itself: wharf rmi ${label(entry)}`,
      );
    }
    const user = await otherUser(images, descs, top.digest, removed);
    if (user) {
      const other = entriesOf([user.desc])[0];
      throw conflict(
        `platform manifest ${shortHex(user.digest)}`,
        `it is also used by image ${other ? label(other) : shortHex(user.desc.digest)}`,
        "remove or retag that image first; nothing was deleted",
      );
    }
    for (const c of chosen) {
      const running = c.id ? (await opts.containers?.(c.id))?.find((u) => u.running) : undefined;
      if (running && c.id) {
        throw conflict(
          shortHex(c.id),
          `image is being used by running container ${running.id.slice(0, 12)}`,
          "stop and remove the container first",
        );
      }
    }
    const leased = await images.leased();
    const busy = chosen.find((c) => leased.has(c.descriptor.digest));
    if (busy) {
      throw new WharfError(
        "conflict",
        `platform manifest ${busy.descriptor.digest} is in use by another wharf command`,
        { hint: "try again once it has finished" },
      );
    }
    // Names recording a removed platform for this machine move to the best one left.
    const remaining = left.map((p) => ({ ...p.descriptor, platform: p.platform }));
    const next = selectPlatform(remaining, opts.host ?? hostPlatform()) ?? remaining[0];
    const nextPlat = left.find((p) => p.descriptor.digest === next?.digest);
    for (const d of descs) {
      const a = d.annotations;
      const m = a?.[ANNOTATION.manifest];
      if (d.digest !== top.digest || !a || m === undefined || !removed.has(m as Digest)) continue;
      if (!nextPlat?.id) continue;
      a[ANNOTATION.manifest] = nextPlat.descriptor.digest;
      a[ANNOTATION.id] = nextPlat.id;
    }
    for (const c of chosen) await images.content.delete(c.descriptor.digest);
    return chosen.map((c): DeleteRecord => ({ Deleted: c.descriptor.digest }));
  });
  if (!opts.noPrune) await collectGarbage(images);
  return report;
}

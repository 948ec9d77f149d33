import type { Digest } from "../digest/index.js";
import { familiarString } from "../reference/index.js";
import { entriesOf, removeImageEntries } from "./entries.js";
import { collectGarbage } from "./gc.js";
import type { Images } from "./images.js";
import type { ContainersUsing, DeleteRecord } from "./remove.js";
import { groupImages } from "./resolve.js";
import { loadDocs } from "./view.js";

/** What a prune filter sees of an image: its config's creation time and labels. */
export interface PruneCandidate {
  id: Digest;
  /** The config's `created` (RFC 3339), when set. */
  created?: string;
  labels: Record<string, string>;
}

export interface PruneOptions {
  /** Remove every image no container uses, not only dangling (untagged) ones: `image prune -a`. */
  all?: boolean;
  containers?: ContainersUsing;
  /** Blobs to keep although no image reaches them. */
  keep?: Iterable<Digest>;
  /** Only images this accepts are removed (`image prune --filter until=… label=…`). */
  filter?: (image: PruneCandidate) => boolean;
}

export interface PruneResult {
  deleted: DeleteRecord[];
  /** Bytes of the blobs that were deleted. */
  reclaimed: number;
}

/**
 * `docker image prune`: deletes dangling images (no tag; their digest references go with them), or
 * with `all` every image no container uses, those that `filter` accepts, then collects the blobs
 * nothing reaches any more (layers shared with a kept image stay).
 */
export async function pruneImages(images: Images, opts: PruneOptions = {}): Promise<PruneResult> {
  const deleted: DeleteRecord[] = [];
  await images.records.update(async (descs) => {
    for (const g of groupImages(entriesOf(descs))) {
      if (!opts.all && g.tags.length > 0) continue;
      if (opts.filter) {
        const { config } = await loadDocs(images.content, g);
        const candidate = { id: g.id, labels: config.config?.Labels ?? {} };
        if (!opts.filter(config.created ? { ...candidate, created: config.created } : candidate)) continue;
      }
      if (((await opts.containers?.(g.id)) ?? []).length > 0) continue;
      for (const e of g.entries) if (e.ref) deleted.push({ Untagged: familiarString(e.ref) });
      removeImageEntries(descs, g.id);
      deleted.push({ Deleted: g.id });
    }
  });
  const gc = await collectGarbage(images, opts.keep ? { keep: opts.keep } : {});
  return { deleted, reclaimed: gc.reclaimed };
}

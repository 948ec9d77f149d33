import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { extract } from "tar-stream";
import { decompressed, feedExtractor } from "../../archive/index.js";
import { blobPath, type ContentStore, storePaths } from "../../content/index.js";
import { type Bytes, type Digest, isDigest } from "../../digest/index.js";
import { readTextOr, writeFileAtomicSync } from "../../files/index.js";
import type { LayerSizer } from "../../images/index.js";

/**
 * A layer's size as Docker counts it: what overlay2 measures in the layer's diff dir, i.e. the
 * sizes of its regular files and the lengths of its symlinks' targets (directories, devices,
 * whiteouts and the second name of a hard link count nothing). Read from the uncompressed tar.
 */
export async function contentSize(tar: Bytes): Promise<number> {
  const ex = extract();
  // Never rejects: a failure surfaces through the loop below or from the feed at the end.
  const feed = feedExtractor(tar, ex);
  let size = 0;
  try {
    for await (const entry of ex) {
      const h = entry.header;
      if (h.type === "file" || h.type === "contiguous-file") size += h.size ?? 0;
      else if (h.type === "symlink") size += Buffer.byteLength(h.linkname ?? "");
      entry.resume();
    }
  } catch (e) {
    await feed;
    throw e;
  }
  const failed = await feed;
  if (failed !== undefined) throw failed;
  return size;
}

export interface LayerSizes {
  /** The sizer for the images views: cached, else read from the layer's blob. */
  size: LayerSizer;
  /** Writes what was measured to the cache (best effort: a read-only root keeps nothing). */
  save(): void;
}

/** `<root>/cache/layer-sizes.json`: measured sizes by blob digest (content-addressed: never stale). */
export function layerSizesFile(root: string): string {
  return join(root, "cache", "layer-sizes.json");
}

function readCache(file: string): Map<Digest, number> {
  const out = new Map<Digest, number>();
  try {
    const doc: unknown = JSON.parse(readTextOr(file, "{}"));
    if (typeof doc !== "object" || doc === null) return out;
    for (const [k, v] of Object.entries(doc)) {
      if (isDigest(k) && Number.isSafeInteger(v) && (v as number) >= 0) out.set(k, v as number);
    }
  } catch {
    // A damaged cache is measured again.
  }
  return out;
}

/**
 * The layer sizer the image verbs use (`images`, `inspect`, `history`). Measuring a layer reads
 * its whole blob once; the results are kept in `layerSizesFile`, so each layer is read once per
 * root. A layer that cannot be read (a zstd layer on Node 20, a foreign layer) counts its stored
 * size and is not kept.
 */
export function layerSizes(root: string, content: ContentStore): LayerSizes {
  const file = layerSizesFile(root);
  const known = readCache(file);
  const measured = new Map<Digest, number>();
  const pending = new Map<Digest, Promise<number>>();
  const measure = async (digest: Digest, fallback: number): Promise<number> => {
    try {
      const n = await contentSize(decompressed(await content.read(digest)));
      measured.set(digest, n);
      return n;
    } catch {
      return fallback;
    }
  };
  return {
    size: async (layer) => {
      const hit = known.get(layer.digest) ?? measured.get(layer.digest);
      if (hit !== undefined) return hit;
      let p = pending.get(layer.digest);
      if (!p) {
        p = measure(layer.digest, layer.size);
        pending.set(layer.digest, p);
      }
      return p;
    },
    save: () => {
      if (measured.size === 0) return;
      // Merged with what other processes wrote meanwhile; layers no longer stored are dropped.
      const layout = storePaths(root).layout;
      const all = new Map([...readCache(file), ...measured]);
      const kept = [...all].filter(([d]) => existsSync(blobPath(layout, d)));
      try {
        mkdirSync(join(root, "cache"), { recursive: true });
        writeFileAtomicSync(file, `${JSON.stringify(Object.fromEntries(kept))}\n`, { flush: false });
      } catch {
        // Not writable: measured again next time.
      }
    },
  };
}

import { existsSync, mkdirSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Digest } from "../digest/index.js";
import { withLock } from "../files/index.js";
import { snapshotLayout } from "./layout.js";
import { linkShort, syncFs, tempDir } from "./unpack.js";

export interface AdoptOptions {
  /** The snapshots directory, `<root>/snapshots`. */
  snapshots: string;
  /** The layer's chain ID (its parents' layers must be unpacked), diff ID, blob digest and size. */
  chainId: Digest;
  diffId: Digest;
  digest: Digest;
  size: number;
  /** An unmounted overlay upper dir on the snapshots' filesystem, moved into place (not copied). */
  upper: string;
}

/**
 * Makes an overlay upper dir the unpacked layer of `chainId`, instead of unpacking the layer's blob
 * again: `build` stores a RUN's changes as a layer written from that very upper dir, so the next
 * step can mount it at once. The caller vouches that applying the blob would give the same tree.
 * Under the chain's lock, as an unpack; false (and the upper dir left alone) when the layer is
 * already there.
 */
export async function adoptLayer(o: AdoptOptions): Promise<boolean> {
  const layout = snapshotLayout(o.snapshots);
  mkdirSync(join(layout.root, "layers"), { recursive: true });
  const adopted = await withLock(layout.layerLock(o.chainId), async () => {
    if (existsSync(join(layout.layer(o.chainId), "layer.json"))) return false;
    const t = await tempDir(layout);
    try {
      await rename(o.upper, join(t, "fs"));
      const record = { chainId: o.chainId, diffId: o.diffId, digest: o.digest, size: o.size };
      await writeFile(join(t, "layer.json"), `${JSON.stringify(record)}\n`);
      await syncFs(t);
      await rm(layout.layer(o.chainId), { recursive: true, force: true });
      await rename(t, layout.layer(o.chainId));
      return true;
    } catch (e) {
      await rm(t, { recursive: true, force: true });
      throw e;
    }
  });
  await linkShort(layout, o.chainId);
  return adopted;
}

import { constants } from "node:fs";
import { chmod, copyFile, lchown, lutimes, mkdir, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { compareTarPaths, type PackEntry } from "../archive/index.js";
import { type Digest, randomHex } from "../digest/index.js";
import { adoptLayer, chainIds, containerSnapshotDir } from "../rootfs/index.js";
import type { LayerBlob } from "./blob.js";
import type { LayerView } from "./layer-view.js";
import type { StateLayer } from "./types.js";

const seconds = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);

/**
 * Writes a COPY layer's entries as an overlay upper dir: what unpacking the layer's tar onto its
 * parents gives, without gunzipping, verifying and applying the blob just written. Parents the
 * layer leaves out (they exist below) are made as an overlay copy-up would: the lower's mode and
 * owner. Returns false, writing nothing that stays, when a parent below is a symlink (the tar then
 * lands through it, which only the applier does right).
 */
async function writeUpper(
  upper: string,
  entries: readonly PackEntry[],
  view: LayerView | undefined,
): Promise<boolean> {
  const sorted = [...entries].sort((a, b) => compareTarPaths(a.name, b.name));
  const names = new Set(sorted.map((e) => e.name));
  const dirs: { path: string; mtime: Date }[] = [];
  await mkdir(upper, { recursive: true, mode: 0o755 });
  const made = new Set<string>();
  const parent = async (name: string): Promise<boolean> => {
    const parts = name.split("/").slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const p = parts.slice(0, i).join("/");
      if (names.has(p) || made.has(p)) continue;
      const below = await view?.stat(p);
      if (below && !below.isDirectory()) return false;
      await mkdir(join(upper, p));
      if (below) {
        await lchown(join(upper, p), below.uid, below.gid);
        await chmod(join(upper, p), below.mode & 0o7777);
      }
      made.add(p);
    }
    return true;
  };
  for (const e of sorted) {
    if (!(await parent(e.name))) return false;
    const path = join(upper, e.name);
    if (e.type === "directory") await mkdir(path);
    else if (e.type === "symlink") await symlink(e.linkname ?? "", path);
    else if (e.type === "file") {
      const src = e.source;
      if (src === undefined) await writeFile(path, "");
      else if ("data" in src) await writeFile(path, src.data);
      else await copyFile(src.path, path, constants.COPYFILE_FICLONE);
    } else return false;
    await lchown(path, e.uid, e.gid);
    if (e.type !== "symlink") await chmod(path, e.mode & 0o7777);
    if (e.type === "directory") dirs.push({ path, mtime: seconds(e.mtime) });
    else await lutimes(path, seconds(e.mtime), seconds(e.mtime));
  }
  // Directories last, deepest first: writing their children changed their times.
  for (const d of dirs.reverse()) await utimes(d.path, d.mtime, d.mtime);
  return true;
}

/** A COPY layer's snapshot being written while its blob is made. */
export interface CopySnapshot {
  /** Adopts it as the layer's snapshot (or just cleans up when there is no layer). */
  finish(layer: LayerBlob | undefined): Promise<void>;
}

/**
 * Starts writing a COPY layer's unpacked snapshot straight from its entries, while the caller
 * gzips the same entries into the blob (the two overlap on a machine's cores); `finish` then
 * adopts it (`rootfs.adoptLayer`) so that a RUN after the COPY mounts the layer at once. Best
 * effort: anything unusual leaves the layer to be unpacked from its blob when needed.
 */
export function startCopySnapshot(o: {
  snapshots: string;
  parents: readonly StateLayer[];
  entries: readonly PackEntry[];
  view: LayerView | undefined;
}): CopySnapshot {
  const dir = containerSnapshotDir(o.snapshots, `build-${process.pid}-${randomHex(6)}`);
  const upper = join(dir, "upper");
  // Settled at once: a failure only means no snapshot.
  const written = writeUpper(upper, o.entries, o.view).catch(() => false);
  return {
    async finish(layer) {
      try {
        if (!layer || !(await written)) return;
        const chain = chainIds([...o.parents.map((l) => l.diffId), layer.diffId]);
        await adoptLayer({
          snapshots: o.snapshots,
          chainId: chain[chain.length - 1] as Digest,
          diffId: layer.diffId,
          digest: layer.digest,
          size: layer.size,
          upper,
        });
      } catch {
        // No permission to chown, a file that changed under us: the blob is unpacked when needed.
      } finally {
        await written;
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

import { lstat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Digest } from "../digest/index.js";
import { errnoCode, WharfError } from "../errors/index.js";
import { snapshotLayout } from "./layout.js";
import { overlayOptions } from "./mount.js";
import { hiddenAmong } from "./opaque.js";

/** An OCI runtime spec mount. */
export interface ImageSpecMount {
  destination: string;
  type: "overlay" | "bind";
  source: string;
  options: string[];
}

type Kind = "dir" | "whiteout" | "symlink" | "other" | "none";

async function kindOf(path: string): Promise<Kind> {
  try {
    const st = await lstat(path);
    if (st.isDirectory()) return "dir";
    if (st.isSymbolicLink()) return "symlink";
    if (st.isCharacterDevice() && st.rdev === 0) return "whiteout";
    return "other";
  } catch (e) {
    const code = errnoCode(e);
    if (code === "ENOENT" || code === "ENOTDIR") return "none";
    throw e;
  }
}

function refuse(image: string, subpath: string, why: string): WharfError {
  return new WharfError(
    "invalid-argument",
    `invalid mount config for type "image": image-subpath ${JSON.stringify(subpath)} of ${image} ${why}`,
    { hint: "name a directory of the image (see `wharf run --rm --entrypoint ls IMAGE -la /PATH`)" },
  );
}

/**
 * The chain IDs (of `chainIds`, bottom first) whose `<layer>/<subpath>` make the image's tree at
 * `subpath`, topmost first; all of them, topmost first, without a subpath. Throws when the
 * subpath is not a directory of the image (absent, a file, or reached through a symlink).
 */
export async function imageMountLowers(
  snapshots: string,
  chainIds: readonly Digest[],
  subpath: string | undefined,
  image: string,
): Promise<Digest[]> {
  const top = [...chainIds].reverse();
  if (subpath === undefined) {
    imageSpecMount(snapshots, top, undefined, "/");
    return top;
  }
  const layout = snapshotLayout(snapshots);
  const parts = subpath.split("/").filter((p) => p !== "" && p !== ".");
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
  // What the merged tree has at each prefix, once a layer (the topmost with an entry) decided it.
  const merged: (Kind | undefined)[] = prefixes.map(() => undefined);
  const lowers: Digest[] = [];
  for (const chainId of top) {
    const fs = layout.layerFs(chainId);
    let gives = true;
    let hidesBelow = false;
    const dirs: string[] = [];
    for (const [i, p] of prefixes.entries()) {
      const kind = await kindOf(join(fs, p));
      if (kind === "none") {
        gives = false;
        break;
      }
      if (kind === "dir") {
        merged[i] ??= "dir";
        dirs.push(p);
        continue;
      }
      // A whiteout, a file or a symlink here hides what the layers below have from this prefix on.
      if (merged[i] === undefined) {
        if (kind === "symlink") throw refuse(image, subpath, `leads through a symlink (${p})`);
        if (kind === "other") throw refuse(image, subpath, `is not a directory (${p})`);
        merged[i] = "none";
      }
      gives = false;
      hidesBelow = true;
      break;
    }
    if (merged.some((k) => k === "none")) break;
    if (gives) lowers.push(chainId);
    if (hidesBelow) break;
    // An opaque directory on the way: the layers below have nothing there that shows.
    if ((await hiddenAmong(snapshotLayout(snapshots), fs, dirs)).size > 0) break;
  }
  if (lowers.length === 0) throw refuse(image, subpath, "does not exist");
  // What the start will mount, checked now: a create refuses what a start could not do.
  imageSpecMount(snapshots, lowers, subpath, "/");
  return lowers;
}

/**
 * The spec mount of an image mount at `destination`: its `lowers` (chain IDs, topmost first,
 * from `imageMountLowers`) at `subpath`. Throws when the lowers' paths would not fit in one
 * mount's options (a page); see `overlayOptions`.
 */
export function imageSpecMount(
  snapshots: string,
  lowers: readonly Digest[],
  subpath: string | undefined,
  destination: string,
): ImageSpecMount {
  const layout = snapshotLayout(snapshots);
  const dirs = lowers.map((c) => {
    const base = resolve(layout.root, layout.shortName(c));
    return subpath ? join(base, subpath) : base;
  });
  const [only] = dirs;
  if (only === undefined) throw new WharfError("internal", "an image mount needs a layer");
  if (dirs.length === 1)
    return { destination, type: "bind", source: only, options: ["rbind", "ro", "rprivate"] };
  if (subpath && /[,:]/.test(subpath)) {
    throw new WharfError(
      "unsupported",
      `image-subpath ${JSON.stringify(subpath)}: a path with ',' or ':' cannot be an overlay's lower dir`,
      { hint: "mount the image's parent directory instead" },
    );
  }
  const options = overlayOptions({ lowers: dirs, merged: destination, cwd: layout.root });
  if (options === undefined) {
    throw new WharfError("unsupported", `too many layers for one image mount (${dirs.length})`, {
      hint: "squash the mounted image into fewer layers",
    });
  }
  return { destination, type: "overlay", source: "overlay", options: [options, "ro"] };
}

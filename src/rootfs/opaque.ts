import { existsSync } from "node:fs";
import { lstat, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { uniqueSuffix } from "../digest/index.js";
import type { SnapshotLayout } from "./layout.js";
import { mountOverlay, unmount } from "./mount.js";
import { tempDir } from "./unpack.js";

/** Every directory below `upper` (relative paths), parents first. */
async function directories(upper: string, rel = "", out: string[] = []): Promise<string[]> {
  for (const name of await readdir(join(upper, rel))) {
    const child = rel === "" ? name : `${rel}/${name}`;
    if ((await lstat(join(upper, child))).isDirectory()) {
      out.push(child);
      await directories(upper, child, out);
    }
  }
  return out;
}

/**
 * The directories among `dirs` (relative paths, parents first) whose content `upper` hides, asked of
 * the kernel (`trusted.overlay.opaque` is an xattr Node cannot read): a read-only overlay of `upper`
 * over a probe tree that holds a marker file in each of those directories; a marker that does not
 * show through is hidden (the directory, or one above it, is opaque). This finds an opaque
 * directory even where the image's directory was empty (no name to miss).
 */
export async function hiddenAmong(
  layout: SnapshotLayout,
  upper: string,
  dirs: readonly string[],
): Promise<Set<string>> {
  const out = new Set<string>();
  if (dirs.length === 0) return out;
  const t = await tempDir(layout);
  const probe = join(t, "probe");
  const merged = join(t, "merged");
  const marker = `.wharf-probe-${uniqueSuffix()}`;
  try {
    await mkdir(merged);
    await mkdir(probe);
    for (const d of dirs) {
      await mkdir(join(probe, d), { recursive: true });
      await writeFile(join(probe, d, marker), "");
    }
    await mountOverlay({ lowers: [resolve(upper), resolve(probe)], merged, cwd: layout.root });
    for (const d of dirs) if (!existsSync(join(merged, d, marker))) out.add(d);
  } finally {
    await unmount(merged);
    await rm(t, { recursive: true, force: true });
  }
  return out;
}

/**
 * The directories of an overlay upper dir that the kernel marked opaque (`hiddenAmong` over all of
 * them). A directory below an opaque one cannot be probed (its parent hides the probe) and is not
 * reported: its parent already hides the lower content for it.
 */
export async function opaqueDirs(layout: SnapshotLayout, upper: string): Promise<Set<string>> {
  const dirs = await directories(upper);
  const missing = await hiddenAmong(layout, upper, dirs);
  const out = new Set<string>();
  const hidden = new Set<string>();
  for (const d of dirs) {
    const parent = d.includes("/") ? d.slice(0, d.lastIndexOf("/")) : "";
    if (hidden.has(parent)) {
      hidden.add(d);
      continue;
    }
    if (missing.has(d)) {
      out.add(d);
      hidden.add(d);
    }
  }
  return out;
}

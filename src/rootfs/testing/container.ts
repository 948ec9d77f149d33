import { chmod, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TarEntry } from "../../archive/testing/tar.js";
import type { ContentStore } from "../../content/types.js";
import { storeDouble } from "../../remote/testing/store-double.js";
import { containerSnapshotDir, type PreparedRootfs, prepareRootfs } from "../prepare.js";
import { addLayers, type TestImage } from "./image.js";

/** A two-layer image with files, a hard link, nested dirs: what the diff and change tests start from. */
export function imageLayers(extra: TarEntry[] = []): TarEntry[][] {
  return [
    [
      { name: "bin/", type: "directory" },
      { name: "bin/sh", body: "shell", mode: 0o755 },
      { name: "etc/passwd", body: "root:x:0:0" },
      { name: "etc/hard", type: "link", linkname: "bin/sh" },
      { name: "usr/lib/libc.so", body: "libc" },
      { name: "opt/old", body: "old" },
      { name: "var/cache/a", body: "a" },
      ...extra,
    ],
    [
      { name: "opt/mid", body: "mid" },
      { name: "etc/group", body: "root:x:0:" },
    ],
  ];
}

/**
 * Changes a container might make to imageLayers()'s tree: an edit, deletions, a directory emptied
 * and refilled, new files, a symlink, a mode change.
 */
export async function changeTree(rootfs: string): Promise<void> {
  await writeFile(join(rootfs, "etc/passwd"), "root:x:0:0\napp:x:1:1");
  await rm(join(rootfs, "etc/hard"));
  await rm(join(rootfs, "var"), { recursive: true });
  await rm(join(rootfs, "opt"), { recursive: true });
  await mkdir(join(rootfs, "opt"));
  await writeFile(join(rootfs, "opt/fresh"), "fresh");
  await mkdir(join(rootfs, "new/sub"), { recursive: true });
  await writeFile(join(rootfs, "new/sub/f"), "f");
  await symlink("usr/lib", join(rootfs, "lib"));
  await chmod(join(rootfs, "bin"), 0o700);
}

export interface TestContainer {
  prepared: PreparedRootfs;
  store: ContentStore;
  image: TestImage;
}

/** A container `c`'s root filesystem over `layers` in `<root>/snapshots`, from a fresh store double. */
export async function prepareContainer(
  root: string,
  mode: "overlay" | "copy",
  layers: TarEntry[][],
): Promise<TestContainer> {
  const store = storeDouble();
  const image = await addLayers(store, layers);
  const snapshots = join(root, "snapshots");
  const prepared = await prepareRootfs({
    snapshots,
    store,
    ...image,
    dir: containerSnapshotDir(snapshots, "c"),
    mode,
  });
  return { prepared, store, image };
}

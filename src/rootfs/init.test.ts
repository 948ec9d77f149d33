import { lstat, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TarEntry } from "../archive/testing/tar.js";
import { type Digest, hexOf } from "../digest/index.js";
import { validateRootfs } from "../images/testing/validate-rootfs.js";
import { storeDouble } from "../remote/testing/store-double.js";
import { chainIds } from "./chain.js";
import { snapshotLayout } from "./layout.js";
import {
  containerSnapshotDir,
  mountRootfs,
  overlayRootMount,
  type PreparedRootfs,
  prepareRootfs,
  removeRootfs,
  unmountRootfs,
} from "./prepare.js";
import { pruneSnapshots } from "./prune.js";
import { addLayers } from "./testing/image.js";

const MTIME = new Date(1_000_000_000_000);
/** An image with its own /etc/hosts and a /dev that is a symlink: the init layer leaves both alone. */
const LAYERS: TarEntry[][] = [
  [
    { name: "etc/", type: "directory", mtime: MTIME },
    { name: "etc/hosts", body: "the image's hosts", mtime: MTIME },
    { name: "dev", type: "symlink", linkname: "/elsewhere" },
  ],
  [{ name: "bin/", type: "directory" }],
];

let root: string;
let snapshots: string;
const prepared: PreparedRootfs[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "wharf-init-"));
  snapshots = join(root, "snapshots");
});
afterEach(async () => {
  for (const p of prepared.splice(0)) await removeRootfs(p.dir);
  await rm(root, { recursive: true, force: true });
});

async function files(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const st = await lstat(join(dir, name));
    out.push(`${prefix}${name}${st.isDirectory() ? "/" : ""}`);
    if (st.isDirectory()) out.push(...(await files(join(dir, name), `${prefix}${name}/`)));
  }
  return out;
}

/** What the init layer adds over these layers (the first test lists it). */
const INIT = ["etc/hostname", "etc/resolv.conf", "proc", "sys"];

describe("the init layer", () => {
  it("holds the mount points the image lacks, once per image, so a container's upper dir stays empty", async () => {
    const store = storeDouble();
    const img = await addLayers(store, LAYERS);
    const top = chainIds(img.diffIds)[1] as Digest;
    const make = async (id: string) => {
      const dir = containerSnapshotDir(snapshots, id);
      const p = await prepareRootfs({ snapshots, store, ...img, dir, mode: "overlay", mount: false });
      prepared.push(p);
      return p;
    };
    const a = await make("a");
    await mountRootfs(a, { init: true });
    const layout = snapshotLayout(snapshots);
    expect(await readdir(join(snapshots, "init"))).toEqual([hexOf(top)]);
    expect(await files(layout.initFs(top))).toEqual([
      "etc/",
      "etc/hostname",
      "etc/resolv.conf",
      "proc/",
      "sys/",
    ]);
    expect(await readFile(join(a.rootfs, "etc/hosts"), "utf8")).toBe("the image's hosts");
    expect((await lstat(join(a.rootfs, "dev"))).isSymbolicLink()).toBe(true);
    expect((await lstat(join(a.rootfs, "etc"))).mtime).toEqual(MTIME);
    expect(await readdir(join(a.dir, "upper"))).toEqual([]);
    await validateRootfs(a.rootfs, { content: store, ...img }, { ignore: INIT });
    await unmountRootfs(a);
    await expect(lstat(a.dir)).rejects.toThrow(/ENOENT/);

    // A second container shares it; runc gets it as the topmost lower of the overlay it mounts.
    const b = await make("b");
    const mount = await overlayRootMount(b, { init: true });
    expect(mount?.options[0]).toContain(`lowerdir=${layout.initFs(top)}:`);
    expect(await readdir(join(snapshots, "init"))).toEqual([hexOf(top)]);
    expect((await overlayRootMount(b))?.options[0]).not.toContain("init/");
  });

  it("writes a container's own changes to its upper dir as before, and is pruned with its image", async () => {
    const store = storeDouble();
    const img = await addLayers(store, LAYERS.slice(0, 1));
    const dir = containerSnapshotDir(snapshots, "c");
    const p = await prepareRootfs({ snapshots, store, ...img, dir, mode: "overlay", mount: false });
    prepared.push(p);
    await mountRootfs(p, { init: true });
    await validateRootfs(p.rootfs, { content: store, ...img }, { ignore: INIT });
    await writeFile(join(p.rootfs, "etc/hostname"), "mine");
    await unmountRootfs(p);
    expect(await files(join(dir, "upper"))).toEqual(["etc/", "etc/hostname"]);
    await removeRootfs(dir);
    const top = chainIds(img.diffIds)[0] as Digest;
    expect(await pruneSnapshots({ snapshots, keep: new Set([top]) })).toEqual([]);
    expect(await pruneSnapshots({ snapshots, keep: new Set() })).toEqual([top]);
    expect(await readdir(join(snapshots, "init"))).toEqual([]);
  });
});

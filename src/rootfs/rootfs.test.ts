import { execFileSync, spawnSync } from "node:child_process";
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TarEntry } from "../archive/testing/tar.js";
import type { ContentStore } from "../content/index.js";
import { type Digest, digestOf, hexOf } from "../digest/index.js";
import { validateRootfs } from "../images/testing/validate-rootfs.js";
import { storeDouble } from "../remote/testing/store-double.js";
import { chainIds } from "./chain.js";
import { snapshotLayout } from "./layout.js";
import { isMounted, mountOverlay, overlaySupported } from "./mount.js";
import {
  containerSnapshotDir,
  mountRootfs,
  type PreparedRootfs,
  prepareRootfs,
  type RootfsMode,
  removeRootfs,
  unmountRootfs,
} from "./prepare.js";
import { pruneSnapshots } from "./prune.js";
import { addLayers, type TestImage } from "./testing/image.js";

let root: string;
let snapshots: string;
const prepared: PreparedRootfs[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "wharf-rootfs-"));
  snapshots = join(root, "snapshots");
});
afterEach(async () => {
  for (const p of prepared.splice(0)) await removeRootfs(p.dir);
  await rm(root, { recursive: true, force: true });
});

async function tree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const p = join(dir, name);
    const st = await lstat(p);
    if (st.isDirectory()) out.push(`${prefix}${name}/`, ...(await tree(p, `${prefix}${name}/`)));
    else if (st.isSymbolicLink()) out.push(`${prefix}${name} -> ${await readlink(p)}`);
    else out.push(`${prefix}${name} ${st.isFile() ? await readFile(p, "utf8") : "special"}`);
  }
  return out;
}

/** Three layers that exercise whiteouts, opaque directories, and writes through lower symlinks. */
const LAYERS: TarEntry[][] = [
  [
    { name: "bin/", type: "directory" },
    { name: "bin/sh", body: "shell", mode: 0o755 },
    { name: "etc/", type: "directory" },
    { name: "etc/passwd", body: "root:x:0:0" },
    { name: "etc/gone", body: "removed by layer 2" },
    { name: "usr/lib/", type: "directory" },
    { name: "lib", type: "symlink", linkname: "usr/lib" },
    { name: "opt/", type: "directory" },
    { name: "opt/old1", body: "old" },
    { name: "opt/deep/old2", body: "old" },
    { name: "var/", type: "directory" },
    { name: "var/cache/a", body: "a" },
  ],
  [
    { name: "etc/.wh.gone", body: "" },
    { name: "opt/", type: "directory" },
    { name: "opt/.wh..wh..opq", body: "" },
    { name: "opt/new", body: "new" },
    { name: "lib/libc.so", body: "libc" },
    { name: ".wh.var", body: "" },
    { name: "var/", type: "directory" },
    { name: "var/log/b", body: "b" },
  ],
  [
    { name: "etc/passwd", body: "root:x:0:0\nuser:x:1000:1000" },
    { name: "etc/hard", type: "link", linkname: "bin/sh" },
    { name: "bin/.wh.sh", body: "" },
  ],
];

const EXPECTED = [
  "bin/",
  "etc/",
  "etc/hard shell",
  "etc/passwd root:x:0:0\nuser:x:1000:1000",
  "lib -> usr/lib",
  "opt/",
  "opt/new new",
  "usr/",
  "usr/lib/",
  "usr/lib/libc.so libc",
  "var/",
  "var/log/",
  "var/log/b b",
];

async function prepare(mode: RootfsMode, id: string, layers = LAYERS, store = storeDouble()) {
  const img = await addLayers(store, layers);
  const unpacked: Digest[] = [];
  const p = await prepareRootfs({
    snapshots,
    store,
    ...img,
    dir: containerSnapshotDir(snapshots, id),
    mode,
    onUnpacked: (c) => unpacked.push(c),
  });
  prepared.push(p);
  return { p, img, unpacked, store };
}

/** The prepared rootfs against its layers (`validateRootfs`: blobs, diff IDs, the tree they make). */
async function validated(r: { p: PreparedRootfs; img: TestImage; store: ContentStore }) {
  return validateRootfs(r.p.rootfs, { content: r.store, ...r.img });
}

describe("chainIds", () => {
  it("follows the OCI image spec's ChainID", () => {
    const diffIds = ["layer0", "layer1", "layer2"].map((s) => digestOf(s));
    // Computed with sha256sum: printf '%s %s' "$chain" "$diff" | sha256sum
    expect(chainIds(diffIds)).toEqual([
      "sha256:4fbec69b941195fd56f8212a5000e304129451d82efca94ff0e0fb2d5355472e",
      "sha256:ef232af0eb422cdfd7917631657cd8ed2bfd5b9461b37c427aa0d3e0a19adf79",
      "sha256:7ad3896338947cc04ee0b35b50d400ff32538d63f42f85ec87feac78bf71a54d",
    ]);
    expect(chainIds([])).toEqual([]);
  });
});

describe("prepareRootfs", () => {
  it("is able to mount overlayfs on this machine (the e2e setup runs as root), and chooses it", async () => {
    expect(await overlaySupported(join(snapshots, "tmp"))).toBe(true);
    const store = storeDouble();
    const img = await addLayers(store, LAYERS);
    const p = await prepareRootfs({ snapshots, store, ...img, dir: containerSnapshotDir(snapshots, "auto") });
    prepared.push(p);
    expect(p.mode).toBe("overlay");
    expect(await tree(p.rootfs)).toEqual(EXPECTED);
    await validated({ p, img, store });
  });

  for (const mode of ["overlay", "copy"] as const) {
    it(`applies whiteouts and opaque directories across layers (${mode})`, async () => {
      const r = await prepare(mode, `c-${mode}`);
      const { p } = r;
      expect(p.mode).toBe(mode);
      expect(await isMounted(p.rootfs)).toBe(mode === "overlay");
      expect(await tree(p.rootfs)).toEqual(EXPECTED);
      expect(await validated(r)).toEqual({ layers: 3, entries: EXPECTED.length });
    });
  }

  it("stores each overlay layer with the kernel's whiteouts, keyed by chain ID", async () => {
    const r = await prepare("overlay", "c1");
    const { p, img } = r;
    await validated(r);
    const layout = snapshotLayout(snapshots);
    const chain = chainIds(img.diffIds);
    expect(p.chainIds).toEqual(chain);
    const second = layout.layerFs(chain[1] as Digest);
    const wh = await lstat(join(second, "etc/gone"));
    expect(wh.isCharacterDevice() && wh.rdev === 0).toBe(true);
    const rec = JSON.parse(await readFile(join(layout.layer(chain[1] as Digest), "layer.json"), "utf8"));
    expect(rec).toMatchObject({ chainId: chain[1], diffId: img.diffIds[1], digest: img.layers[1]?.digest });
    expect(await readdir(layout.tmp)).toEqual([]);
  });

  it("gives each container its own writable layer and keeps it across unmount and mount", async () => {
    const store = storeDouble();
    const a = (await prepare("overlay", "a", LAYERS, store)).p;
    const rb = await prepare("overlay", "b", LAYERS, store);
    const b = rb.p;
    await writeFile(join(a.rootfs, "etc/passwd"), "changed");
    await rm(join(a.rootfs, "opt/new"));
    expect(await readFile(join(b.rootfs, "etc/passwd"), "utf8")).toContain("user:x:1000");
    await validated(rb);
    await unmountRootfs(a);
    await unmountRootfs(b);
    expect(await isMounted(a.rootfs)).toBe(false);
    await expect(stat(b.dir)).rejects.toThrow(); // nothing changed: nothing kept
    await mountRootfs(a);
    await mountRootfs(a);
    expect(await readFile(join(a.rootfs, "etc/passwd"), "utf8")).toBe("changed");
    expect(await readdir(join(a.rootfs, "opt"))).toEqual([]);
  });

  it("unpacks each layer once, also when containers are prepared concurrently", async () => {
    const store = storeDouble();
    const img = await addLayers(store, LAYERS);
    const unpacked: Digest[] = [];
    const all = await Promise.all(
      ["w", "x", "y", "z"].map((id) =>
        prepareRootfs({
          snapshots,
          store,
          ...img,
          dir: containerSnapshotDir(snapshots, id),
          mode: "overlay",
          onUnpacked: (c) => unpacked.push(c),
        }),
      ),
    );
    prepared.push(...all);
    expect(unpacked.sort()).toEqual(chainIds(img.diffIds).sort());
    for (const p of all) expect(await tree(p.rootfs)).toEqual(EXPECTED);
    for (const p of all) await validated({ p, img, store });
    const again = await prepare("overlay", "v", LAYERS, store);
    expect(again.unpacked).toEqual([]);
  });

  it("shares layers between images with a common base", async () => {
    const store = storeDouble();
    await prepare("overlay", "base", LAYERS.slice(0, 2), store);
    const r = await prepare("overlay", "top", LAYERS, store);
    expect(r.unpacked).toEqual([chainIds(r.img.diffIds)[2]]);
    await validated(r);
  });

  it("mounts many layers (short lower paths keep the mount options within a page)", async () => {
    const layers: TarEntry[][] = Array.from({ length: 60 }, (_, i) => [
      { name: `layer/${i}`, body: String(i) },
      ...(i > 0 ? [{ name: `layer/.wh.${i - 1}`, body: "" }] : []),
    ]);
    const r = await prepare("overlay", "many", layers);
    expect(await readdir(join(r.p.rootfs, "layer"))).toEqual(["59"]);
    expect(await validated(r)).toMatchObject({ layers: 60 });
  });

  it("refuses a layer whose digest does not match, leaving no snapshot behind", async () => {
    const store = storeDouble();
    const img = await addLayers(store, LAYERS.slice(0, 1));
    const bad = { ...img, diffIds: [digestOf("not this layer")] };
    const err = await prepareRootfs({
      snapshots,
      store,
      ...bad,
      dir: join(root, "c"),
      mode: "overlay",
    }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe("digest-invalid");
    expect(await readdir(join(snapshots, "layers"))).toEqual([]);
    expect(await readdir(join(snapshots, "tmp"))).toEqual([]);
  });

  it("keeps 100 stopped containers of one image under 1.1x the disk of one", async () => {
    const big = "x".repeat(2 * 1024 * 1024);
    const store = storeDouble();
    const layers: TarEntry[][] = [[{ name: "big", body: big }], [{ name: "small", body: "s" }]];
    const du = () => Number(execFileSync("du", ["-sk", snapshots], { encoding: "utf8" }).split("\t")[0]);
    const r = await prepare("overlay", "c0", layers, store);
    await validated(r);
    const first = r.p;
    await unmountRootfs(first);
    const one = du();
    for (let i = 1; i < 100; i++) await unmountRootfs((await prepare("overlay", `c${i}`, layers, store)).p);
    expect(du() / one).toBeLessThan(1.1);
  });
});

describe("pruneSnapshots", () => {
  it("removes the layers no image keeps, and unpacks them again when needed", async () => {
    const store = storeDouble();
    const { p, img } = await prepare("overlay", "a", LAYERS, store);
    await removeRootfs(p.dir);
    const chain = chainIds(img.diffIds);
    const keep = new Set(chain.slice(0, 1));
    expect((await pruneSnapshots({ snapshots, keep })).sort()).toEqual(chain.slice(1).sort());
    const layout = snapshotLayout(snapshots);
    expect(await readdir(join(snapshots, "layers"))).toEqual([hexOf(chain[0] as Digest)]);
    expect(await readdir(join(snapshots, "l"))).toEqual([layout.shortName(chain[0] as Digest).slice(2)]);
    const again = await prepare("overlay", "b", LAYERS, store);
    expect(again.unpacked).toEqual(chain.slice(1));
    expect(await tree(again.p.rootfs)).toEqual(EXPECTED);
    await validated(again);
  });
});

describe("crash safety", () => {
  it("removes what a crashed unpack left in tmp/, unmounting it first", async () => {
    const dead = spawnSync("true").pid;
    const left = join(snapshots, "tmp", `${dead}-abcdef`);
    for (const d of ["a", "b", "fs", "work", "merged"]) await mkdir(join(left, d), { recursive: true });
    await mountOverlay({
      lowers: ["a", "b"],
      upper: join(left, "fs"),
      work: join(left, "work"),
      merged: join(left, "merged"),
      cwd: left,
    });
    await writeFile(join(left, "merged/half"), "half-written");
    const r = await prepare("overlay", "after-crash");
    expect(await isMounted(join(left, "merged"))).toBe(false);
    expect(await readdir(join(snapshots, "tmp"))).toEqual([]);
    expect(await tree(r.p.rootfs)).toEqual(EXPECTED);
    await validated(r);
  });
});

describe("mount points behind symlinks", () => {
  it("unmounts a rootfs reached through a symlinked root", async () => {
    const real = join(root, "real");
    await mkdir(real);
    await symlink(real, join(root, "alias"));
    snapshots = join(root, "alias", "snapshots");
    const r = await prepare("overlay", "via-alias");
    const { p } = r;
    expect(await isMounted(p.rootfs)).toBe(true);
    await validated(r);
    await removeRootfs(p.dir);
    expect(execFileSync("cat", ["/proc/self/mountinfo"], { encoding: "utf8" })).not.toContain(real);
  });
});

import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Digest, digestFromHex } from "../digest/index.js";
import { storeDouble } from "../remote/testing/store-double.js";
import { imageMountLowers, imageSpecMount } from "./image-mount.js";
import { snapshotLayout } from "./layout.js";
import { unmount } from "./mount.js";
import { addLayers } from "./testing/image.js";
import { ensureLayers } from "./unpack.js";

let root: string;
let snapshots: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "wharf-image-mount-"));
  snapshots = join(root, "snapshots");
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const dir = (name: string) => ({ name, type: "directory" as const });
const file = (name: string, body = name) => ({ name, body });

/**
 * Four layers: L0 data/{a,b,sub/c}, f, etc/x; L1 deletes data/b and adds link -> data; L2 deletes
 * data/sub and makes it again (opaque: c gone) with d; L3 deletes etc.
 */
async function image(): Promise<Digest[]> {
  const store = storeDouble();
  const img = await addLayers(store, [
    [
      dir("data"),
      file("data/a"),
      file("data/b"),
      dir("data/sub"),
      file("data/sub/c"),
      file("f"),
      dir("etc"),
      file("etc/x"),
    ],
    [dir("data"), file("data/.wh.b", ""), { name: "link", type: "symlink", linkname: "data" }],
    // data/sub removed and made again: the kernel marks it opaque in L2's dir.
    [dir("data"), file("data/.wh.sub", ""), dir("data/sub"), file("data/sub/d")],
    [file(".wh.etc", "")],
  ]);
  return ensureLayers({ layout: snapshotLayout(snapshots), store, layers: img.layers, diffIds: img.diffIds });
}

/** Mounts the spec mount on the host (as runc would in the container) and lists what it shows. */
async function contents(spec: ReturnType<typeof imageSpecMount>): Promise<string[]> {
  const at = join(root, "mnt");
  await mkdir(at, { recursive: true });
  const args =
    spec.type === "bind"
      ? ["--bind", "-o", "ro", spec.source, at]
      : ["-t", "overlay", "overlay", "-o", spec.options.join(","), at];
  execFileSync("mount", args);
  try {
    const out: string[] = [];
    const walk = async (rel: string) => {
      for (const e of (await readdir(join(at, rel), { withFileTypes: true })).sort((a, b) =>
        a.name < b.name ? -1 : 1,
      )) {
        const p = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) {
          out.push(`${p}/`);
          await walk(p);
        } else if (e.isFile()) out.push(`${p}=${await readFile(join(at, p), "utf8")}`);
        else out.push(p);
      }
    };
    await walk("");
    expect(() => execFileSync("touch", [join(at, "new")], { stdio: "ignore" })).toThrow();
    return out;
  } finally {
    await unmount(at);
  }
}

describe("image mounts", () => {
  it("mount the whole image read-only: an overlay of its layers, topmost first", async () => {
    const chain = await image();
    const lowers = await imageMountLowers(snapshots, chain, undefined, "img");
    expect(lowers).toEqual([...chain].reverse());
    const spec = imageSpecMount(snapshots, lowers, undefined, "/mnt");
    expect(spec).toMatchObject({ destination: "/mnt", type: "overlay", source: "overlay" });
    expect(spec.options[0]).toMatch(new RegExp(`^lowerdir=${snapshots}/l/[0-9a-f]{16}:`));
    expect(spec.options[0]).not.toContain("upperdir");
    expect(spec.options).toContain("ro");
    expect(await contents(spec)).toEqual([
      "data/",
      "data/a=data/a",
      "data/sub/",
      "data/sub/d=data/sub/d",
      "f=f",
      "link",
    ]);
  });

  it("image-subpath: each layer's directory there, down to an opaque one", async () => {
    const chain = await image();
    const [l0, l1, l2] = chain as [Digest, Digest, Digest, Digest];
    const data = await imageMountLowers(snapshots, chain, "data", "img");
    expect(data).toEqual([l2, l1, l0]);
    expect(await contents(imageSpecMount(snapshots, data, "data", "/d"))).toEqual([
      "a=data/a",
      "sub/",
      "sub/d=data/sub/d",
    ]);
    // data/sub is opaque in L2: the layers below give nothing; one layer is a read-only bind.
    const sub = await imageMountLowers(snapshots, chain, "data/sub", "img");
    expect(sub).toEqual([l2]);
    const bind = imageSpecMount(snapshots, sub, "data/sub", "/s");
    expect(bind).toEqual({
      destination: "/s",
      type: "bind",
      source: join(snapshots, snapshotLayout(snapshots).shortName(l2), "data/sub"),
      options: ["rbind", "ro", "rprivate"],
    });
    expect(await contents(bind)).toEqual(["d=data/sub/d"]);
  });

  it("refuses a subpath that is absent, deleted, a file or a symlink", async () => {
    const chain = await image();
    await expect(imageMountLowers(snapshots, chain, "nope", "img")).rejects.toThrow(
      'invalid mount config for type "image": image-subpath "nope" of img does not exist',
    );
    // etc is L0's, deleted by L3.
    await expect(imageMountLowers(snapshots, chain, "etc", "img")).rejects.toThrow("does not exist");
    await expect(imageMountLowers(snapshots, chain, "data/b", "img")).rejects.toThrow("does not exist");
    await expect(imageMountLowers(snapshots, chain, "f", "img")).rejects.toThrow("is not a directory (f)");
    await expect(imageMountLowers(snapshots, chain, "link", "img")).rejects.toThrow(
      "leads through a symlink (link)",
    );
    await expect(imageMountLowers(snapshots, chain, "link/sub", "img")).rejects.toThrow(
      "leads through a symlink (link)",
    );
  });

  it("refuses at create a subpath an overlay cannot take", async () => {
    const store = storeDouble();
    const img = await addLayers(store, [
      [dir("a,b"), file("a,b/x")],
      [dir("a,b"), file("a,b/y")],
    ]);
    const layout = snapshotLayout(snapshots);
    const chain = await ensureLayers({ layout, store, layers: img.layers, diffIds: img.diffIds });
    await expect(imageMountLowers(snapshots, chain, "a,b", "img")).rejects.toThrow(
      `image-subpath "a,b": a path with ',' or ':' cannot be an overlay's lower dir`,
    );
  });

  it("refuses more layers than one mount's options hold", () => {
    const many = Array.from({ length: 300 }, (_, i) =>
      digestFromHex("sha256", i.toString(16).padStart(64, "0")),
    );
    expect(() => imageSpecMount(snapshots, many, undefined, "/m")).toThrow(
      "too many layers for one image mount (300)",
    );
  });
});

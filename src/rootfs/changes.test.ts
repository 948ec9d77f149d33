import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { containerChanges } from "./changes.js";
import { isMounted } from "./mount.js";
import { type PreparedRootfs, removeRootfs, unmountRootfs } from "./prepare.js";
import { changeTree, imageLayers, prepareContainer } from "./testing/container.js";
import { readView, withReadView } from "./view.js";

const LAYERS = imageLayers([{ name: "srv/", type: "directory" }]);

let root: string;
const prepared: PreparedRootfs[] = [];
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "wharf-changes-"));
});
afterEach(async () => {
  for (const p of prepared.splice(0)) await removeRootfs(p.dir);
  await rm(root, { recursive: true, force: true });
});

async function change(rootfs: string): Promise<void> {
  // An empty directory of the image removed and made again: opaque, nothing of the image to miss.
  await rm(join(rootfs, "srv"), { recursive: true });
  await mkdir(join(rootfs, "srv"));
  await changeTree(rootfs);
}

async function prepare(mode: "overlay" | "copy"): Promise<PreparedRootfs> {
  const { prepared: p } = await prepareContainer(root, mode, LAYERS);
  prepared.push(p);
  return p;
}

const lines = (cs: { kind: string; path: string }[]) => cs.map((c) => `${c.kind} ${c.path}`);

describe("containerChanges", () => {
  it("lists an overlay's changes as Docker's overlay differ does, mounted or not", async () => {
    const p = await prepare("overlay");
    expect(await containerChanges(p)).toEqual([]);
    await change(p.rootfs);
    const want = [
      "C /bin",
      "C /etc",
      "D /etc/hard",
      "C /etc/passwd",
      "A /lib",
      "A /new",
      "A /new/sub",
      "A /new/sub/f",
      "D /opt",
      "A /opt/fresh",
      "D /srv",
      "D /var",
    ];
    expect(lines(await containerChanges(p))).toEqual(want);
    await unmountRootfs(p);
    expect(lines(await containerChanges(p))).toEqual(want);
    expect(await isMounted(p.rootfs)).toBe(false);
    expect(await readdir(join(root, "snapshots", "tmp"))).toEqual([]);
  });

  it("lists a copy's changes as Docker's naive differ does", async () => {
    const p = await prepare("copy");
    expect(await containerChanges(p)).toEqual([]);
    await change(p.rootfs);
    expect(lines(await containerChanges(p))).toEqual([
      "C /bin",
      "C /etc",
      "D /etc/hard",
      "C /etc/passwd",
      "A /lib",
      "A /new",
      "A /new/sub",
      "A /new/sub/f",
      "C /opt",
      "A /opt/fresh",
      "D /opt/mid",
      "D /opt/old",
      "D /var",
    ]);
  });
});

describe("readView", () => {
  it("shows the container's files read-only without mounting over its upper dir", async () => {
    const p = await prepare("overlay");
    await change(p.rootfs);
    await unmountRootfs(p);
    const seen = await withReadView(p, { init: true }, async (dir) => ({
      passwd: await readFile(join(dir, "etc/passwd"), "utf8"),
      opt: (await readdir(join(dir, "opt"))).sort(),
      hosts: await readFile(join(dir, "etc/hosts"), "utf8"),
      write: await writeFile(join(dir, "x"), "x").then(
        () => "written",
        (e: NodeJS.ErrnoException) => e.code,
      ),
    }));
    expect(seen).toEqual({ passwd: "root:x:0:0\napp:x:1:1", opt: ["fresh"], hosts: "", write: "EROFS" });
    const image = await readView(p, { changes: false });
    try {
      expect((await readdir(join(image.path, "opt"))).sort()).toEqual(["mid", "old"]);
    } finally {
      await image.release();
    }
    expect(await readdir(join(root, "snapshots", "tmp"))).toEqual([]);
  });
});

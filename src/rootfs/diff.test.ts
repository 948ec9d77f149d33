import { execFileSync } from "node:child_process";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyLayer } from "../archive/index.js";
import { bytesOf, collect } from "../digest/index.js";
import { validateRootfs } from "../images/testing/validate-rootfs.js";
import { diffRootfs } from "./diff.js";
import { isMounted } from "./mount.js";
import { type PreparedRootfs, removeRootfs, unmountRootfs } from "./prepare.js";
import { changeTree, imageLayers, prepareContainer } from "./testing/container.js";

let root: string;
const prepared: PreparedRootfs[] = [];
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "wharf-diff-"));
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
    const what = st.isDirectory()
      ? "/"
      : st.isSymbolicLink()
        ? ` -> ${await readlink(p)}`
        : ` ${await readFile(p, "utf8")}`;
    out.push(`${prefix}${name}${what} ${(st.mode & 0o7777).toString(8)}`);
    if (st.isDirectory()) out.push(...(await tree(p, `${prefix}${name}/`)));
  }
  return out;
}

describe("diffRootfs", () => {
  for (const mode of ["overlay", "copy"] as const) {
    it(`gives a layer that turns the image into the container's tree (${mode})`, async () => {
      const { prepared: p, store, image: img } = await prepareContainer(root, mode, imageLayers());
      prepared.push(p);
      await validateRootfs(p.rootfs, { content: store, ...img });
      await changeTree(p.rootfs);
      const want = await tree(p.rootfs);
      await unmountRootfs(p);
      const tar = await collect(diffRootfs(p), 1 << 24);
      expect(await isMounted(p.rootfs)).toBe(false);

      const file = join(root, "diff.tar");
      await writeFile(file, tar);
      const names = execFileSync("tar", ["-tf", file], { encoding: "utf8" }).trim().split("\n");
      expect(names).toContain("etc/.wh.hard");
      expect(names).toContain(".wh.var");
      expect(names).not.toContain("usr/lib/libc.so");
      expect(names).not.toContain("etc/group");
      if (mode === "overlay") expect(names).toContain("opt/.wh..wh..opq");

      const check = join(root, "check");
      await mkdir(check);
      for (const l of img.layers) await applyLayer(await store.read(l.digest), { target: check });
      await applyLayer(bytesOf(tar), { target: check });
      expect(await tree(check)).toEqual(want);
    });
  }
});

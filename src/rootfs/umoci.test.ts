import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Digest, hexOf } from "../digest/index.js";
import { validateStore } from "../images/testing/validate.js";
import { validateRootfs } from "../images/testing/validate-rootfs.js";
import type { Descriptor } from "../oci/index.js";
import { storeDouble } from "../remote/testing/store-double.js";
import { chainIds } from "./chain.js";
import { containerSnapshotDir, prepareRootfs, removeRootfs } from "./prepare.js";

/**
 * Interop with umoci, an independent implementation of the image spec: umoci builds a two-layer
 * image (its second layer holds umoci's own whiteouts), umoci unpacks it, and the trees wharf
 * prepares in both modes must equal umoci's.
 */
let work: string;
const layout = () => join(work, "layout");
const umoci = (...args: string[]) => execFileSync("umoci", args, { cwd: work, stdio: "pipe" });

async function blob(d: string): Promise<Buffer> {
  return readFile(join(layout(), "blobs/sha256", hexOf(d as Digest)));
}

async function tree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const p = join(dir, name);
    const st = await lstat(p);
    const what = st.isDirectory()
      ? "dir"
      : st.isSymbolicLink()
        ? `-> ${await readlink(p)}`
        : `${createHash("sha256")
            .update(await readFile(p))
            .digest("hex")} links=${st.nlink} mtime=${st.mtimeMs}`;
    out.push(`${prefix}${name} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${what}`);
    if (st.isDirectory()) out.push(...(await tree(p, `${prefix}${name}/`)));
  }
  return out;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "wharf-umoci-"));
  umoci("init", "--layout", "layout");
  umoci("new", "--image", "layout:t");
  umoci("unpack", "--image", "layout:t", "bundle");
  const r = join(work, "bundle/rootfs");
  await mkdir(join(r, "bin"));
  await mkdir(join(r, "opt/sub"), { recursive: true });
  await mkdir(join(r, "etc"));
  await writeFile(join(r, "bin/busybox"), await readFile("/bin/busybox"), { mode: 0o755 });
  await symlink("busybox", join(r, "bin/sh"));
  await link(join(r, "bin/busybox"), join(r, "bin/ls"));
  await writeFile(join(r, "etc/x"), "x");
  await writeFile(join(r, "etc/kept"), "kept", { mode: 0o600 });
  await writeFile(join(r, "opt/sub/o"), "o");
  umoci("repack", "--refresh-bundle", "--image", "layout:t", "bundle");
  await rm(join(r, "etc/x"));
  await rm(join(r, "opt/sub"), { recursive: true });
  await writeFile(join(r, "opt/n"), "n");
  umoci("repack", "--refresh-bundle", "--image", "layout:t", "bundle");
  umoci("unpack", "--image", "layout:t", "reference");
}, 60_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("rootfs against umoci", () => {
  for (const mode of ["overlay", "copy"] as const) {
    it(`prepares the same tree as umoci unpack (${mode})`, async () => {
      const index = JSON.parse(await readFile(join(layout(), "index.json"), "utf8"));
      const manifest = JSON.parse((await blob(index.manifests[0].digest)).toString());
      const config = JSON.parse((await blob(manifest.config.digest)).toString());
      const layers = manifest.layers as Descriptor[];
      const diffIds = config.rootfs.diff_ids as Digest[];
      expect(layers).toHaveLength(2);
      const store = storeDouble();
      for (const l of [index.manifests[0], manifest.config, ...layers] as Descriptor[]) {
        const w = await store.ingest(l.digest);
        await w.write(await blob(l.digest));
        await w.commit({ digest: l.digest, size: l.size });
      }
      // umoci's image itself: every blob re-hashed, its diff IDs and media types.
      expect(await validateStore(store, [index.manifests[0]])).toMatchObject({ images: 1, diffIds: 2 });
      const snapshots = join(work, `snapshots-${mode}`);
      const p = await prepareRootfs({
        snapshots,
        store,
        layers,
        diffIds,
        dir: containerSnapshotDir(snapshots, "c"),
        mode,
      });
      try {
        expect(p.chainIds).toEqual(chainIds(diffIds));
        const want = await tree(join(work, "reference/rootfs"));
        expect(want.join("\n")).toContain("opt/n");
        expect(want.join("\n")).not.toContain("etc/x");
        expect(await tree(p.rootfs)).toEqual(want);
        await validateRootfs(p.rootfs, { content: store, layers, diffIds });
      } finally {
        await removeRootfs(p.dir);
      }
    });
  }
});

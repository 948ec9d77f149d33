import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { digestOf } from "../digest/index.js";
import { smallDisk } from "../files/testing/small-disk.js";
import { collectGarbage } from "./gc.js";
import { openImages } from "./images.js";
import { createLease } from "./lease.js";
import { pruneImages } from "./prune.js";
import { makeImage, putBlob } from "./testing/fixtures.js";
import { validateRoot } from "./testing/validate.js";

describe("leases between store instances", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "wharf-lease-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("blobs a puller stored but has not named yet survive another instance's prune until it closes", async () => {
    const puller = await openImages(root);
    const pruner = await openImages(root);
    const img = await makeImage(puller.content, { layers: [["a", "in flight"]] });
    expect((await pruneImages(pruner, { all: true })).reclaimed).toBe(0);
    expect(await pruner.content.info(img.layers[0]?.digest as never)).toBeDefined();
    await puller.record({ name: "landed", target: img.manifest });
    const loose = await putBlob(puller.content, "application/octet-stream", Buffer.from("never named"));
    await puller.close();
    const gc = await collectGarbage(pruner);
    expect(gc.deleted.map((i) => i.digest)).toEqual([loose.digest]);
    await validateRoot(root);
  });

  it("a blob found present by info is leased too", async () => {
    const a = await openImages(root);
    const data = await putBlob(a.content, "application/octet-stream", Buffer.from("present"));
    await a.close();
    const reuser = await openImages(root);
    expect(await reuser.content.info(data.digest)).toBeDefined();
    const other = await openImages(root);
    expect((await collectGarbage(other)).deleted).toEqual([]);
    await reuser.close();
    expect((await collectGarbage(other)).deleted.map((i) => i.digest)).toEqual([data.digest]);
  });

  it("ignores and removes the leases of dead processes", async () => {
    const images = await openImages(root);
    const data = await putBlob(images.content, "application/octet-stream", Buffer.from("orphan"));
    await images.close();
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid as number;
    const dir = join(root, "tmp", "leases");
    await writeFile(join(dir, `${dead}-abcdef`), `${data.digest}\n${digestOf("x")}\n`);
    const other = await openImages(root);
    expect((await collectGarbage(other)).deleted.map((i) => i.digest)).toEqual([data.digest]);
    expect(await readdir(dir)).not.toContain(`${dead}-abcdef`);
  });
});

describe("a lease on a read-only root", () => {
  it("is never written by a command that stores nothing, and reading blobs needs none", async () => {
    const disk = smallDisk("1m");
    try {
      mkdirSync(join(disk.dir, "leases"));
      execFileSync("mount", ["-o", "remount,ro", disk.dir]);
      const lease = await createLease(join(disk.dir, "leases"));
      // Before: release unlinked a file never made, which a read-only filesystem refuses (EROFS).
      await expect(lease.release()).resolves.toBeUndefined();
      // `save` leases what it reads: on a read-only root nothing can collect it, so no lease.
      await expect(lease.add(digestOf(Buffer.from("x")))).resolves.toBeUndefined();
      await expect(lease.release()).resolves.toBeUndefined();
      expect(existsSync(lease.file)).toBe(false);
    } finally {
      disk.close();
    }
  });
});

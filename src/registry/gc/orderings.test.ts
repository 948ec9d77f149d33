import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { Digest } from "../../digest/index.js";
import { MediaType } from "../../oci/index.js";
import { memoryDriver } from "../driver/memory.js";
import type { StorageDriver } from "../driver/types.js";
import { layout } from "../layout.js";
import { gate } from "../testing/gate.js";
import { errorCode, imageManifest, pushBlob, pushImage, putManifest } from "../testing/push.js";
import { startTestRegistry } from "../testing/server.js";
import { type CollectOptions, garbageCollect } from "./collect.js";
import { validateKept } from "./testing/scenario.js";

/**
 * Each ordering of a writer (HEAD, mount, upload commit, manifest PUT) against a collection's batch,
 * forced: a gate holds the collection at one step (before its doom is written, or after it has read
 * the intents, at its first delete) while the writer runs. README.md proves the protocol case by
 * case; these are those cases.
 */

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** `a:v1` kept; `a:old`'s manifest deleted, so its config and layer are garbage the writer wants back. */
async function setup() {
  const inner = memoryDriver();
  const spy = gate(inner);
  const r = await startTestRegistry({ driver: spy.driver });
  cleanup.push(r.close);
  const v1 = await pushImage(r.url, "a", "v1", "one");
  const old = await pushImage(r.url, "a", "old", "two");
  const del = await fetch(`${r.url}/v2/a/manifests/${old.digest}`, { method: "DELETE" });
  expect(del.status).toBe(202);
  await sleep(5); // written before the collection starts, by the storage's clock
  return { inner, spy, r, v1, old };
}

const isDoom = (p: string) => p.startsWith(`${layout.gcDoomed}/`);

function collect(driver: StorageDriver, opts: CollectOptions = {}) {
  const lines: string[] = [];
  const done = garbageCollect(driver, { ...opts, emit: (l) => lines.push(l) });
  return { done, lines };
}

const exists = (d: StorageDriver, p: string) =>
  d.stat(p).then(
    () => true,
    () => false,
  );

const head = (url: string, repo: string, d: Digest) =>
  fetch(`${url}/v2/${repo}/blobs/${d}`, { method: "HEAD" });

describe("a HEAD of a blob a collection is about to delete", () => {
  it("before the collection reads the intents: the blob is kept, and the push's manifest lands", async () => {
    const { inner, r, old } = await setup();
    const g = gate(inner, "putContent", isDoom);
    const gc = collect(g.driver);
    await g.arrived;
    expect((await head(r.url, "a", old.layer.digest)).status).toBe(200);
    expect((await head(r.url, "a", old.config.digest)).status).toBe(200);
    g.release();
    await gc.done;
    expect(gc.lines).toContain(`blob kept, a push uses it: ${old.layer.digest}`);
    const res = await putManifest(r.url, "a", "back", imageManifest(old.config, [old.layer]));
    expect(res.status).toBe(201);
    expect(await validateKept(r.host, { kept: [{ repo: "a", tag: "back", digest: res.digest }] })).toBe(2);
  });

  it("after the collection read the intents: the HEAD waits for the batch, then answers 404", async () => {
    const { inner, spy, r, old } = await setup();
    const g = gate(inner, "delete", layout.blobDir(old.layer.digest));
    const gc = collect(g.driver);
    await g.arrived;
    const looking = spy.reached("list", layout.gcDoomed);
    const answer = head(r.url, "a", old.layer.digest);
    await looking;
    g.release();
    await gc.done;
    expect((await answer).status).toBe(404);
    expect(await exists(inner, layout.blobData(old.layer.digest))).toBe(false);
  });
});

describe("an upload that completes a blob a collection is about to delete", () => {
  it("waits for the batch, then puts its bytes in place", async () => {
    const { inner, spy, r, old } = await setup();
    const g = gate(inner, "delete", layout.blobDir(old.layer.digest));
    const gc = collect(g.driver);
    await g.arrived;
    const looking = spy.reached("list", layout.gcDoomed);
    const uploading = pushBlob(r.url, "a", old.layer.body);
    await looking;
    g.release();
    await gc.done;
    await uploading;
    expect(Buffer.from(await inner.getContent(layout.blobData(old.layer.digest)))).toEqual(old.layer.body);
    await pushBlob(r.url, "a", old.config.body);
    const res = await putManifest(r.url, "a", "back", imageManifest(old.config, [old.layer]));
    expect(res.status).toBe(201);
    expect(await validateKept(r.host, { kept: [{ repo: "a", tag: "back", digest: res.digest }] })).toBe(2);
  });
});

describe("a mount of a blob a collection is about to delete", () => {
  it("waits for the batch, then opens an upload session instead", async () => {
    const { inner, spy, r, old } = await setup();
    const g = gate(inner, "delete", layout.blobDir(old.layer.digest));
    const gc = collect(g.driver);
    await g.arrived;
    const looking = spy.reached("list", layout.gcDoomed);
    const mounting = fetch(`${r.url}/v2/m/blobs/uploads/?mount=${old.layer.digest}&from=a`, {
      method: "POST",
    });
    await looking;
    g.release();
    await gc.done;
    expect((await mounting).status).toBe(202);
  });
});

describe("a manifest PUT referencing blobs a collection is about to delete", () => {
  it("announced before the collection reads the intents: kept, though the PUT is over by then", async () => {
    const { inner, r, old } = await setup();
    const g = gate(inner, "putContent", isDoom);
    const gc = collect(g.driver);
    await g.arrived;
    // The whole push runs while the collection holds: its announcement stays, marked done.
    const res = await putManifest(r.url, "a", "back", imageManifest(old.config, [old.layer]));
    expect(res.status).toBe(201);
    expect(await inner.list(layout.pending)).toHaveLength(1);
    g.release();
    const result = await gc.done;
    expect(result.blobsDeleted).toBe(0);
    expect(await validateKept(r.host, { kept: [{ repo: "a", tag: "back", digest: res.digest }] })).toBe(2);
    // The collection removed the announcement when it ended.
    expect(await exists(inner, layout.pending)).toBe(false);
  });

  it("announced after: the PUT waits for the batch and is refused with MANIFEST_BLOB_UNKNOWN", async () => {
    const { inner, spy, r, old } = await setup();
    const g = gate(
      inner,
      "delete",
      (p) => p === layout.blobDir(old.layer.digest) || p === layout.blobDir(old.config.digest),
    );
    const gc = collect(g.driver);
    await g.arrived;
    const looking = spy.reached("list", layout.gcDoomed);
    const putting = fetch(`${r.url}/v2/a/manifests/back`, {
      method: "PUT",
      headers: { "Content-Type": MediaType.ociManifest },
      body: JSON.stringify(imageManifest(old.config, [old.layer])),
    });
    await looking;
    g.release();
    await gc.done;
    const res = await putting;
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("MANIFEST_BLOB_UNKNOWN");
    expect((await fetch(`${r.url}/v2/a/manifests/back`)).status).toBe(404);
  });
});

describe("--delete-untagged racing a push that tags the untagged manifest", () => {
  async function untagged() {
    const s = await setup();
    const m = await pushImage(s.r.url, "a", "moving", "three");
    await pushImage(s.r.url, "a", "moving", "four");
    await sleep(5);
    return { ...s, m };
  }

  it("announced before the collection reads the intents: the manifest is kept", async () => {
    const { inner, r, m } = await untagged();
    const g = gate(inner, "putContent", isDoom);
    const gc = collect(g.driver, { deleteUntagged: true });
    await g.arrived;
    const res = await putManifest(r.url, "a", "again", JSON.parse(m.manifest.toString()));
    expect(res.status).toBe(201);
    g.release();
    await gc.done;
    expect(gc.lines).toContain(`manifest kept, a push references it: ${m.digest}`);
    expect(await validateKept(r.host, { kept: [{ repo: "a", tag: "again", digest: m.digest }] })).toBe(2);
  });

  it("announced after: the PUT waits while the revision is deleted, then stores it again with its blobs", async () => {
    const { inner, spy, r, m } = await untagged();
    const g = gate(inner, "delete", layout.revisionDir("a", m.digest));
    const gc = collect(g.driver, { deleteUntagged: true });
    await g.arrived;
    const looking = spy.reached("list", layout.gcDoomed);
    const putting = putManifest(r.url, "a", "again", JSON.parse(m.manifest.toString()));
    await looking;
    g.release();
    const result = await gc.done;
    expect((await putting).status).toBe(201);
    expect(result.manifestsDeleted).toBe(1);
    expect(await validateKept(r.host, { kept: [{ repo: "a", tag: "again", digest: m.digest }] })).toBe(2);
  });
});

describe("leases", () => {
  async function fakeRun(driver: StorageDriver, leaseMs: number, doomed: Digest[]) {
    await driver.putContent(layout.gcRun("dead-run"), Buffer.from(JSON.stringify({ startedAt: 0, leaseMs })));
    await driver.putContent(layout.gcDoom("dead-run", 0), Buffer.from(doomed.join("\n")));
  }

  it("a writer does not wait for a collection whose heartbeat stopped", async () => {
    const { inner, r, old } = await setup();
    await fakeRun(inner, 50, [old.layer.digest]);
    await sleep(80);
    const t = Date.now();
    expect((await head(r.url, "a", old.layer.digest)).status).toBe(200);
    expect(Date.now() - t).toBeLessThan(1000);
  });

  it("a writer waits for a live one", async () => {
    const { inner, r, old } = await setup();
    await fakeRun(inner, 60_000, [old.layer.digest]);
    const answer = head(r.url, "a", old.layer.digest);
    const first = await Promise.race([answer.then(() => "answered"), sleep(300).then(() => "waiting")]);
    expect(first).toBe("waiting");
    await inner.delete(layout.gcDoom("dead-run", 0));
    expect((await answer).status).toBe(200);
  });

  it("a collection whose heartbeat stalls stops before it deletes anything", async () => {
    const { inner, old } = await setup();
    let writes = 0;
    const stalled: StorageDriver = {
      ...inner,
      async putContent(p, c, o) {
        if (p.startsWith(`${layout.gcRuns}/`) && ++writes > 2) return new Promise<void>(() => {});
        if (isDoom(p)) await sleep(300);
        return inner.putContent(p, c, o);
      },
    };
    await expect(garbageCollect(stalled, { leaseMs: 200 })).rejects.toMatchObject({ code: "timeout" });
    expect(await exists(inner, layout.blobData(old.layer.digest))).toBe(true);
  });
});

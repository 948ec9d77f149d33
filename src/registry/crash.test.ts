import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { digestOf } from "../digest/index.js";
import { validateRegistry } from "../images/testing/validate.js";
import { createTransport } from "../remote/index.js";
import { fsDriver } from "./driver/fs.js";
import type { StorageDriver } from "./driver/types.js";
import { imageManifest, pushImage, putManifest } from "./testing/push.js";
import { startTestRegistry, type TestRegistry } from "./testing/server.js";

/**
 * Crash safety of the filesystem layout: an upload or push cut at any point leaves no visible
 * partial blob, and a new registry on the same directory serves everything that was acknowledged.
 */

class Crash extends Error {}

/** A driver that fails every operation from the `n`th mutating one on: the process "died" there. */
function crashingAt(inner: StorageDriver, n: number): StorageDriver {
  let ops = 0;
  const step = () => {
    if (++ops >= n) throw new Crash(`crash at storage operation ${n}`);
  };
  return {
    ...inner,
    async putContent(p, c, o) {
      step();
      return inner.putContent(p, c, o);
    },
    async move(a, b) {
      step();
      return inner.move(a, b);
    },
    async delete(p) {
      step();
      return inner.delete(p);
    },
    async writer(p, o) {
      step();
      const w = await inner.writer(p, o);
      return {
        get size() {
          return w.size;
        },
        write: async (c) => {
          step();
          return w.write(c);
        },
        commit: async () => {
          step();
          return w.commit();
        },
        close: () => w.close(),
        cancel: () => w.cancel(),
      };
    },
  };
}

/** Sends `total` declared bytes but only `sent` of them, then drops the connection. */
async function cutUpload(
  reg: TestRegistry,
  method: string,
  path: string,
  body: Buffer,
  sent: number,
): Promise<void> {
  const [host, port] = reg.host.split(":") as [string, string];
  await new Promise<void>((resolve) => {
    const s = connect(Number(port), host, () => {
      s.write(`${method} ${path} HTTP/1.1\r\nHost: ${reg.host}\r\nContent-Length: ${body.length}\r\n\r\n`);
      s.write(body.subarray(0, sent), () => setTimeout(() => s.destroy(), 20));
    });
    s.on("close", () => resolve());
    s.on("error", () => resolve());
  });
}

describe("crash safety on the filesystem driver", () => {
  const dirs: string[] = [];
  const regs: TestRegistry[] = [];
  const start = async (driver: StorageDriver) => {
    const r = await startTestRegistry({ driver });
    regs.push(r);
    return r;
  };
  const tmp = async () => {
    const d = await mkdtemp(join(tmpdir(), "wharf-crash-"));
    dirs.push(d);
    return d;
  };
  afterEach(async () => {
    for (const r of regs.splice(0)) await r.close();
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it("never shows a blob whose upload was cut, and a restart serves what was acknowledged", async () => {
    const root = await tmp();
    const first = await start(fsDriver({ root }));
    const kept = await pushImage(first.url, "crash/app", "v1");
    const body = Buffer.alloc(3 << 20, 5);
    const digest = digestOf(body);
    for (const sent of [0, 1, 1 << 20, body.length - 1]) {
      await cutUpload(first, "POST", `/v2/crash/app/blobs/uploads/?digest=${digest}`, body, sent);
      const head = await fetch(`${first.url}/v2/crash/app/blobs/${digest}`, { method: "HEAD" });
      expect(head.status, `cut after ${sent} bytes`).toBe(404);
    }
    // A session cut mid-PATCH can be resumed from the offset it reports.
    const post = await fetch(`${first.url}/v2/crash/app/blobs/uploads/`, { method: "POST" });
    const location = post.headers.get("location") ?? "";
    await cutUpload(first, "PATCH", location, body, 100_000);
    const second = await start(fsDriver({ root }));
    for (const ref of ["v1", kept.digest]) {
      const res = await fetch(`${second.url}/v2/crash/app/manifests/${ref}`);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(kept.manifest);
    }
    const layer = await fetch(`${second.url}/v2/crash/app/blobs/${kept.layer.digest}`);
    expect(Buffer.from(await layer.arrayBuffer())).toEqual(kept.layer.body);
    expect((await fetch(`${second.url}/v2/crash/app/blobs/${digest}`, { method: "HEAD" })).status).toBe(404);
    const status = await fetch(`${second.url}${location}`);
    expect(status.status).toBe(204);
    const have = Number((status.headers.get("range") ?? "0-0").split("-")[1]) + 1;
    const rest = await fetch(`${second.url}${location}?digest=${digest}`, {
      method: "PUT",
      headers: { "Content-Range": `${have}-${body.length - 1}` },
      body: body.subarray(have),
    });
    expect(rest.status).toBe(201);
    const whole = await fetch(`${second.url}/v2/crash/app/blobs/${digest}`);
    expect(digestOf(Buffer.from(await whole.arrayBuffer()))).toBe(digest);
    // The image acknowledged before the cuts is whole after the restart.
    const t = createTransport(new URL(second.url).host);
    try {
      expect((await validateRegistry({ transport: t, path: "crash/app" }, "v1")).diffIds).toBe(1);
    } finally {
      t.close();
    }
  });

  it("leaves storage consistent when the process dies at any storage operation of a push", async () => {
    const layerBody = Buffer.alloc(200_000, 7);
    let completed = false;
    for (let n = 1; !completed && n < 200; n++) {
      const root = await tmp();
      const plain = fsDriver({ root });
      const base = await start(plain);
      const kept = await pushImage(base.url, "crash/at", "kept");
      const crashing = await start(crashingAt(fsDriver({ root }), n));
      const acked: string[] = [];
      const layer = await fetch(`${crashing.url}/v2/crash/at/blobs/uploads/?digest=${digestOf(layerBody)}`, {
        method: "POST",
        body: layerBody,
      });
      if (layer.status === 201) acked.push(digestOf(layerBody));
      const doc = imageManifest(kept.config, [{ digest: digestOf(layerBody), body: layerBody }]);
      const m = await putManifest(crashing.url, "crash/at", "new", doc);
      if (m.status === 201) acked.push(m.digest);
      completed = acked.length === 2;

      const after = await start(fsDriver({ root }));
      const get = (p: string) => fetch(`${after.url}/v2/crash/at/${p}`);
      const old = await get("manifests/kept");
      expect(Buffer.from(await old.arrayBuffer())).toEqual(kept.manifest);
      const blob = await get(`blobs/${digestOf(layerBody)}`);
      if (blob.status === 200) {
        expect(digestOf(Buffer.from(await blob.arrayBuffer())), `crash at ${n}`).toBe(digestOf(layerBody));
      } else {
        await blob.arrayBuffer();
        expect(acked, `crash at ${n}: acknowledged blob lost`).not.toContain(digestOf(layerBody));
      }
      const tag = await get("manifests/new");
      if (tag.status === 200) {
        expect(Buffer.from(await tag.arrayBuffer())).toEqual(m.bytes);
        expect(blob.status, `crash at ${n}: tag points at a manifest with a missing layer`).toBe(200);
      } else {
        await tag.arrayBuffer();
        expect(acked, `crash at ${n}: acknowledged manifest lost`).not.toContain(m.digest);
      }
    }
    expect(completed).toBe(true);
  });
});

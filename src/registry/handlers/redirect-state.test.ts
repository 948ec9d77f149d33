import { afterEach, describe, expect, it } from "vitest";
import { digestOf } from "../../digest/index.js";
import { memoryDriver } from "../driver/memory.js";
import type { StorageDriver } from "../driver/types.js";
import { type ListeningRegistry, startRegistry } from "../listen.js";
import { errorCode, pushBlob } from "../testing/push.js";

const running: ListeningRegistry[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});
async function start(opts: Parameters<typeof startRegistry>[0]): Promise<ListeningRegistry> {
  const r = await startRegistry({ purgeUploads: false, deleteEnabled: true, ...opts });
  running.push(r);
  return r;
}

/** A memory driver that hands out URLs of a second server serving its files. */
function redirecting(base: StorageDriver, origin: () => string): StorageDriver {
  return { ...base, redirectUrl: async (path) => `${origin()}/files${path}?sig=x` };
}

describe("blob redirects", () => {
  it("answers a GET with 307 to the storage's URL; HEAD and ranges are the registry's", async () => {
    const mem = memoryDriver();
    const files = await start({ driver: mem });
    const reg = await start({ driver: redirecting(mem, () => files.url), redirect: true });
    const blob = await pushBlob(reg.url, "app", "bytes from the object store");
    const res = await fetch(`${reg.url}/v2/app/blobs/${blob.digest}`, { redirect: "manual" });
    expect(res.status).toBe(307);
    expect(res.headers.get("location")).toBe(
      `${files.url}/files/docker/registry/v2/blobs/sha256/${blob.digest.slice(7, 9)}/${blob.digest.slice(7)}/data?sig=x`,
    );
    expect(res.headers.get("docker-content-digest")).toBe(blob.digest);
    const head = await fetch(`${reg.url}/v2/app/blobs/${blob.digest}`, {
      method: "HEAD",
      redirect: "manual",
    });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(blob.body.length));
    // An unknown blob is still the registry's 404, never a redirect.
    const missing = await fetch(`${reg.url}/v2/app/blobs/${digestOf(Buffer.from("no"))}`, {
      redirect: "manual",
    });
    expect(missing.status).toBe(404);
    await missing.arrayBuffer();
  });

  it("streams the blob itself when redirects are off (storage.redirect.disable)", async () => {
    const mem = memoryDriver();
    const reg = await start({ driver: redirecting(mem, () => "http://127.0.0.1:1"), redirect: false });
    const blob = await pushBlob(reg.url, "app", "streamed");
    const res = await fetch(`${reg.url}/v2/app/blobs/${blob.digest}`, { redirect: "manual" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("streamed");
  });
});

describe("signed upload state (http.secret)", () => {
  const chunked = async (urls: string[], name: string, chunks: string[]) => {
    const post = await fetch(`${urls[0]}/v2/${name}/blobs/uploads/`, { method: "POST" });
    let location = post.headers.get("location") ?? "";
    expect(post.status).toBe(202);
    let at = 0;
    for (const [i, c] of chunks.entries()) {
      const base = urls[(i + 1) % urls.length] as string;
      const res = await fetch(new URL(location, base), {
        method: "PATCH",
        body: c,
        headers: {
          "Content-Range": `${at}-${at + c.length - 1}`,
          "Content-Type": "application/octet-stream",
        },
      });
      if (res.status !== 202) return res;
      at += c.length;
      location = res.headers.get("location") ?? "";
    }
    const all = Buffer.from(chunks.join(""));
    const put = new URL(location, urls[chunks.length % urls.length]);
    put.searchParams.set("digest", digestOf(all));
    return fetch(put, { method: "PUT" });
  };

  it("lets replicas sharing the secret continue each other's uploads", async () => {
    const driver = memoryDriver();
    const a = await start({ driver, uploadSecret: "shared" });
    const b = await start({ driver, uploadSecret: "shared" });
    const post = await fetch(`${a.url}/v2/app/blobs/uploads/`, { method: "POST" });
    expect(post.headers.get("location")).toMatch(/\?_state=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const res = await chunked([a.url, b.url], "app", ["first ", "second ", "third"]);
    expect(res.status).toBe(201);
    const got = await fetch(`${b.url}/v2/app/blobs/${digestOf(Buffer.from("first second third"))}`);
    expect(await got.text()).toBe("first second third");
  });

  it("refuses upload requests with no, forged or foreign state", async () => {
    const driver = memoryDriver();
    const a = await start({ driver, uploadSecret: "one" });
    const other = await start({ driver, uploadSecret: "two" });
    const foreign = await chunked([a.url, other.url], "app", ["x"]);
    expect(foreign.status).toBe(400);
    expect(await errorCode(foreign)).toBe("BLOB_UPLOAD_INVALID");
    const post = await fetch(`${a.url}/v2/app/blobs/uploads/`, { method: "POST" });
    const location = new URL(post.headers.get("location") ?? "", a.url);
    const bare = new URL(location.pathname, a.url);
    const none = await fetch(bare, { method: "PATCH", body: "x" });
    expect(none.status).toBe(400);
    expect(await errorCode(none)).toBe("BLOB_UPLOAD_INVALID");
    const state = location.searchParams.get("_state") ?? "";
    const [payload] = state.split(".");
    const forged = new URL(bare);
    forged.searchParams.set("_state", `${payload}.${Buffer.from("not the mac").toString("base64url")}`);
    const f = await fetch(forged, { method: "PATCH", body: "x" });
    expect(f.status).toBe(400);
    await f.arrayBuffer();
    // The state of one upload does not open another.
    const post2 = await fetch(`${a.url}/v2/app/blobs/uploads/`, { method: "POST" });
    const other2 = new URL(post2.headers.get("location") ?? "", a.url);
    const swapped = new URL(other2.pathname, a.url);
    swapped.searchParams.set("_state", state);
    const s = await fetch(swapped, { method: "PATCH", body: "x" });
    expect(s.status).toBe(400);
    await s.arrayBuffer();
    const ok = await fetch(location, { method: "PATCH", body: "x" });
    expect(ok.status).toBe(202);
  });

  it("neither adds nor asks for state without a secret", async () => {
    const reg = await start({});
    const post = await fetch(`${reg.url}/v2/app/blobs/uploads/`, { method: "POST" });
    expect(post.headers.get("location")).not.toMatch(/_state/);
    const res = await chunked([reg.url], "app", ["a", "b"]);
    expect(res.status).toBe(201);
  });
});

import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf } from "../../digest/index.js";
import { errorCode, pushBlob } from "../testing/push.js";
import { startTestRegistry, type TestRegistry } from "../testing/server.js";

describe("blob uploads", () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startTestRegistry();
  });
  afterAll(() => reg.close());

  const start = async (name: string) => {
    const res = await fetch(`${reg.url}/v2/${name}/blobs/uploads/`, { method: "POST" });
    await res.arrayBuffer();
    expect(res.status).toBe(202);
    return res;
  };
  const exists = async (name: string, digest: string) =>
    (await fetch(`${reg.url}/v2/${name}/blobs/${digest}`, { method: "HEAD" })).status === 200;

  it("takes a monolithic POST ?digest=", async () => {
    const body = Buffer.from("monolithic");
    const digest = digestOf(body);
    const res = await fetch(`${reg.url}/v2/up/mono/blobs/uploads/?digest=${digest}`, {
      method: "POST",
      body,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe(`/v2/up/mono/blobs/${digest}`);
    expect(res.headers.get("docker-content-digest")).toBe(digest);
    expect(await exists("up/mono", digest)).toBe(true);
  });

  it("starts a session with Location, Range and Docker-Upload-UUID, then takes a PUT", async () => {
    const res = await start("up/post-put");
    const location = res.headers.get("location") ?? "";
    const uuid = res.headers.get("docker-upload-uuid");
    expect(location).toBe(`/v2/up/post-put/blobs/uploads/${uuid}`);
    expect(res.headers.get("range")).toBe("0-0");
    const body = Buffer.from("post then put");
    const digest = digestOf(body);
    const put = await fetch(`${reg.url}${location}?digest=${digest}`, { method: "PUT", body });
    expect(put.status).toBe(201);
    expect(put.headers.get("docker-content-digest")).toBe(digest);
    expect(await exists("up/post-put", digest)).toBe(true);
    // The session is gone once committed.
    const status = await fetch(`${reg.url}${location}`);
    expect(status.status).toBe(404);
    expect(await errorCode(status)).toBe("BLOB_UPLOAD_UNKNOWN");
  });

  it("takes chunks with Content-Range and reports progress", async () => {
    const location = (await start("up/chunks")).headers.get("location") ?? "";
    const chunks = ["abc", "defgh", "ij"];
    let offset = 0;
    for (const c of chunks) {
      const res = await fetch(`${reg.url}${location}`, {
        method: "PATCH",
        headers: {
          "Content-Range": `${offset}-${offset + c.length - 1}`,
          "Content-Type": "application/octet-stream",
        },
        body: c,
      });
      expect(res.status).toBe(202);
      offset += c.length;
      expect(res.headers.get("range")).toBe(`0-${offset - 1}`);
      expect(res.headers.get("location")).toBe(location);
    }
    const status = await fetch(`${reg.url}${location}`);
    expect(status.status).toBe(204);
    expect(status.headers.get("range")).toBe("0-9");
    expect(status.headers.get("docker-upload-uuid")).toBeTruthy();
    const digest = digestOf("abcdefghij");
    const put = await fetch(`${reg.url}${location}?digest=${digest}`, { method: "PUT" });
    expect(put.status).toBe(201);
    const get = await fetch(`${reg.url}/v2/up/chunks/blobs/${digest}`);
    expect(await get.text()).toBe("abcdefghij");
  });

  it("answers an out-of-order chunk with 416 and the current Range", async () => {
    const location = (await start("up/order")).headers.get("location") ?? "";
    const first = await fetch(`${reg.url}${location}`, {
      method: "PATCH",
      headers: { "Content-Range": "0-3" },
      body: "abcd",
    });
    expect(first.status).toBe(202);
    const skip = await fetch(`${reg.url}${location}`, {
      method: "PATCH",
      headers: { "Content-Range": "10-13" },
      body: "wxyz",
    });
    expect(skip.status).toBe(416);
    expect(skip.headers.get("range")).toBe("0-3");
    expect(skip.headers.get("location")).toBe(location);
    expect(await errorCode(skip)).toBe("BLOB_UPLOAD_INVALID");
    const bad = await fetch(`${reg.url}${location}`, {
      method: "PATCH",
      headers: { "Content-Range": "garbage" },
      body: "x",
    });
    expect(bad.status).toBe(416);
    await bad.arrayBuffer();
  });

  it("takes a streamed PATCH without Content-Range (chunked transfer)", async () => {
    const location = (await start("up/stream")).headers.get("location") ?? "";
    const parts = [Buffer.alloc(100_000, 1), Buffer.alloc(200_000, 2), Buffer.alloc(50_000, 3)];
    const url = new URL(`${reg.url}${location}`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: "PATCH" }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      for (const p of parts) req.write(p);
      req.end();
    });
    expect(status).toBe(202);
    const whole = Buffer.concat(parts);
    const put = await fetch(`${reg.url}${location}?digest=${digestOf(whole)}`, { method: "PUT" });
    expect(put.status).toBe(201);
  });

  it("refuses a wrong digest with DIGEST_INVALID and never makes the blob visible", async () => {
    const location = (await start("up/bad")).headers.get("location") ?? "";
    const lie = digestOf("something else");
    const put = await fetch(`${reg.url}${location}?digest=${lie}`, { method: "PUT", body: "actual bytes" });
    expect(put.status).toBe(400);
    expect(await errorCode(put)).toBe("DIGEST_INVALID");
    expect(await exists("up/bad", lie)).toBe(false);
    expect(await exists("up/bad", digestOf("actual bytes"))).toBe(false);
    const mono = await fetch(`${reg.url}/v2/up/bad/blobs/uploads/?digest=${lie}`, {
      method: "POST",
      body: "x",
    });
    expect(mono.status).toBe(400);
    expect(await errorCode(mono)).toBe("DIGEST_INVALID");
  });

  it("requires a well-formed digest on PUT", async () => {
    const location = (await start("up/nodigest")).headers.get("location") ?? "";
    for (const q of ["", "?digest=sha256:short"]) {
      const put = await fetch(`${reg.url}${location}${q}`, { method: "PUT", body: "x" });
      expect(put.status).toBe(400);
      expect(await errorCode(put)).toBe("DIGEST_INVALID");
    }
  });

  it("cancels an upload with DELETE", async () => {
    const location = (await start("up/cancel")).headers.get("location") ?? "";
    const del = await fetch(`${reg.url}${location}`, { method: "DELETE" });
    expect(del.status).toBe(204);
    const again = await fetch(`${reg.url}${location}`, { method: "DELETE" });
    expect(again.status).toBe(404);
    expect(await errorCode(again)).toBe("BLOB_UPLOAD_UNKNOWN");
    const patch = await fetch(`${reg.url}${location}`, { method: "PATCH", body: "x" });
    expect(patch.status).toBe(404);
    await patch.arrayBuffer();
  });

  it("answers unknown upload ids with BLOB_UPLOAD_UNKNOWN", async () => {
    for (const id of ["not-a-uuid", "123e4567-e89b-12d3-a456-426614174000"]) {
      const res = await fetch(`${reg.url}/v2/up/x/blobs/uploads/${id}`);
      expect(res.status).toBe(404);
      expect(await errorCode(res)).toBe("BLOB_UPLOAD_UNKNOWN");
    }
  });

  it("mounts a blob from another repository (201) and falls back to an upload (202)", async () => {
    const { digest } = await pushBlob(reg.url, "up/source", "mount me");
    const ok = await fetch(`${reg.url}/v2/up/target/blobs/uploads/?mount=${digest}&from=up/source`, {
      method: "POST",
    });
    expect(ok.status).toBe(201);
    expect(ok.headers.get("location")).toBe(`/v2/up/target/blobs/${digest}`);
    expect(ok.headers.get("docker-content-digest")).toBe(digest);
    expect(await exists("up/target", digest)).toBe(true);
    const missing = digestOf("not there");
    const fallback = await fetch(`${reg.url}/v2/up/other/blobs/uploads/?mount=${missing}&from=up/source`, {
      method: "POST",
    });
    expect(fallback.status).toBe(202);
    expect(fallback.headers.get("location")).toMatch(/^\/v2\/up\/other\/blobs\/uploads\/[0-9a-f-]{36}$/);
    const noFrom = await fetch(`${reg.url}/v2/up/other/blobs/uploads/?mount=${missing}`, { method: "POST" });
    expect(noFrom.status).toBe(202);
    const badFrom = await fetch(`${reg.url}/v2/up/other/blobs/uploads/?mount=${digest}&from=Bad`, {
      method: "POST",
    });
    expect(badFrom.status).toBe(400);
    expect(await errorCode(badFrom)).toBe("NAME_INVALID");
  });

  it("accepts an empty blob", async () => {
    const b = await pushBlob(reg.url, "up/empty", "");
    const res = await fetch(`${reg.url}/v2/up/empty/blobs/${b.digest}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("0");
  });

  it("resumes hashing after the process forgot the upload's state", async () => {
    const location = (await start("up/forget")).headers.get("location") ?? "";
    const p1 = await fetch(`${reg.url}${location}`, { method: "PATCH", body: "first-" });
    expect(p1.status).toBe(202);
    // A sha512 digest cannot reuse the sha256 hash kept so far: the registry rehashes the data.
    const { createHash } = await import("node:crypto");
    const d512 = `sha512:${createHash("sha512").update("first-second").digest("hex")}`;
    const put = await fetch(`${reg.url}${location}?digest=${d512}`, { method: "PUT", body: "second" });
    expect(put.status).toBe(201);
  });
});

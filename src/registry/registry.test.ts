import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Authorizer } from "./auth/types.js";
import type { RequestLog } from "./registry.js";
import { errorCode, pushImage } from "./testing/push.js";
import { startTestRegistry, type TestRegistry } from "./testing/server.js";

describe("registry: base, routing, errors", () => {
  let reg: TestRegistry;
  const logs: RequestLog[] = [];
  beforeEach(async () => {
    logs.length = 0;
    reg = await startTestRegistry({ logger: (r) => logs.push(r) });
  });
  afterEach(() => reg.close());

  it("answers GET /v2/ with the API version header", async () => {
    const res = await fetch(`${reg.url}/v2/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
    expect(await res.json()).toEqual({});
  });

  it("rejects invalid repository names with NAME_INVALID", async () => {
    for (const name of ["UPPER/case", "a//b", "-lead", "a/_b"]) {
      const res = await fetch(`${reg.url}/v2/${name}/tags/list`);
      expect(res.status, name).toBe(400);
      expect(await errorCode(res)).toBe("NAME_INVALID");
    }
  });

  it("answers unknown endpoints with 404 and wrong methods with 405", async () => {
    const a = await fetch(`${reg.url}/v2/foo/nothing`);
    expect(a.status).toBe(404);
    await a.arrayBuffer();
    const b = await fetch(`${reg.url}/v2/foo/tags/list`, { method: "POST" });
    expect(b.status).toBe(405);
    expect(b.headers.get("allow")).toBe("GET");
    expect(await errorCode(b)).toBe("UNSUPPORTED");
    const c = await fetch(`${reg.url}/elsewhere`);
    expect(c.status).toBe(404);
    await c.arrayBuffer();
  });

  it("serves nested repository names", async () => {
    const img = await pushImage(reg.url, "a/b/c", "v1");
    const res = await fetch(`${reg.url}/v2/a/b/c/manifests/v1`);
    expect(res.status).toBe(200);
    expect(res.headers.get("docker-content-digest")).toBe(img.digest);
    await res.arrayBuffer();
  });

  it("logs one structured record per request", async () => {
    const res = await fetch(`${reg.url}/v2/`);
    await res.arrayBuffer();
    const miss = await fetch(`${reg.url}/v2/x/manifests/nope`);
    await miss.arrayBuffer();
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatchObject({
      method: "GET",
      path: "/v2/",
      status: 200,
      bytes: 2,
      remote: "127.0.0.1",
    });
    expect(logs[0]?.durationMs).toBeGreaterThanOrEqual(0);
    expect(logs[1]).toMatchObject({ status: 404, error: "MANIFEST_UNKNOWN" });
  });
});

describe("registry: deletes disabled", () => {
  it("answers deletes with 405 UNSUPPORTED", async () => {
    const reg = await startTestRegistry({ deleteEnabled: false });
    try {
      const img = await pushImage(reg.url, "nodel", "v1");
      for (const path of [`manifests/${img.digest}`, `manifests/v1`, `blobs/${img.layer.digest}`]) {
        const res = await fetch(`${reg.url}/v2/nodel/${path}`, { method: "DELETE" });
        expect(res.status, path).toBe(405);
        expect(await errorCode(res)).toBe("UNSUPPORTED");
      }
      const still = await fetch(`${reg.url}/v2/nodel/manifests/v1`, { method: "HEAD" });
      expect(still.status).toBe(200);
    } finally {
      await reg.close();
    }
  });
});

describe("registry: authorization", () => {
  const seen: string[] = [];
  const authorizer: Authorizer = {
    async authorize(req, access) {
      seen.push(access.map((a) => `${a.type}:${a.name}:${a.actions.join(",")}`).join(" "));
      const auth = req.headers.authorization;
      if (!auth) {
        return {
          ok: false,
          status: 401,
          challenge: 'Basic realm="test"',
          message: "authentication required",
        };
      }
      if (auth === "Basic reader" && access.some((a) => a.actions.includes("push"))) {
        return { ok: false, status: 403, message: "read only" };
      }
      return { ok: true, subject: "alice" };
    },
    async handle(req, res) {
      if (req.url !== "/token") return false;
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end('{"token":"t"}');
      return true;
    },
  };
  let reg: TestRegistry;
  const logs: RequestLog[] = [];
  beforeEach(async () => {
    seen.length = 0;
    reg = await startTestRegistry({ authorizer, logger: (r) => logs.push(r) });
  });
  afterEach(() => reg.close());

  it("challenges anonymous requests with 401 UNAUTHORIZED and WWW-Authenticate", async () => {
    const res = await fetch(`${reg.url}/v2/`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Basic realm="test"');
    expect(await errorCode(res)).toBe("UNAUTHORIZED");
  });

  it("refuses with 403 DENIED", async () => {
    const res = await fetch(`${reg.url}/v2/r/blobs/uploads/`, {
      method: "POST",
      headers: { authorization: "Basic reader" },
    });
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe("DENIED");
  });

  it("asks for the access each route needs", async () => {
    const h = { authorization: "Basic ok" };
    const get = (p: string, method = "GET") =>
      fetch(`${reg.url}${p}`, { method, headers: h }).then((r) => r.arrayBuffer());
    await get("/v2/");
    await get("/v2/_catalog");
    await get("/v2/a/b/tags/list");
    await get("/v2/a/b/blobs/uploads/", "POST");
    await get(`/v2/a/b/manifests/${"sha256:".padEnd(71, "0")}`, "DELETE");
    expect(seen).toEqual([
      "",
      "registry:catalog:*",
      "repository:a/b:pull",
      "repository:a/b:pull,push",
      "repository:a/b:delete",
    ]);
    expect(logs.at(-1)?.user).toBe("alice");
  });

  it("lets the authorizer serve its own endpoints outside /v2/", async () => {
    const res = await fetch(`${reg.url}/token`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ token: "t" });
  });
});

describe("registry: warm", () => {
  it("never fails, even when the storage does not answer", async () => {
    const { createRegistry } = await import("./registry.js");
    const { memoryDriver } = await import("./driver/memory.js");
    const broken = memoryDriver();
    broken.stat = () => Promise.reject(new Error("storage down"));
    await expect(createRegistry({ driver: broken, purgeUploads: false }).warm()).resolves.toBeUndefined();
    await expect(
      createRegistry({ driver: memoryDriver(), purgeUploads: false }).warm(),
    ).resolves.toBeUndefined();
  });
});

describe("registry: close", () => {
  it("waits for requests in flight", async () => {
    const { createRegistry } = await import("./registry.js");
    const { memoryDriver } = await import("./driver/memory.js");
    const { createServer } = await import("node:http");
    const registry = createRegistry({ driver: memoryDriver(), purgeUploads: false });
    const server = createServer((req, res) => void registry.handle(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    const post = await fetch(`http://127.0.0.1:${port}/v2/c/blobs/uploads/`, { method: "POST" });
    const location = post.headers.get("location") ?? "";
    let release: (() => void) | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        ctrl.enqueue(new Uint8Array([1, 2, 3]));
        release = () => ctrl.close();
      },
    });
    const patch = fetch(`http://127.0.0.1:${port}${location}`, {
      method: "PATCH",
      body,
      duplex: "half",
    } as RequestInit);
    await new Promise((r) => setTimeout(r, 100));
    let closed = false;
    const closing = registry.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false);
    release?.();
    expect((await patch).status).toBe(202);
    await closing;
    expect(closed).toBe(true);
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
});

describe("registry: clients that hang up", () => {
  it("logs a cut upload as BLOB_UPLOAD_INVALID and a cut download without an error", async () => {
    const { connect } = await import("node:net");
    const { pushBlob } = await import("./testing/push.js");
    const logs: RequestLog[] = [];
    const reg = await startTestRegistry({ logger: (r) => logs.push(r) });
    try {
      const big = await pushBlob(reg.url, "hang/up", Buffer.alloc(32 << 20, 3));
      const [host, port] = reg.host.split(":") as [string, string];
      const send = (text: string, extra?: Buffer) =>
        new Promise<void>((resolve) => {
          const s = connect(Number(port), host, () => {
            s.write(text);
            if (extra) s.write(extra);
            setTimeout(() => s.destroy(), 100);
          });
          s.on("close", () => resolve());
          s.on("error", () => resolve());
        });
      await send(
        `POST /v2/hang/up/blobs/uploads/?digest=${big.digest} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n`,
        Buffer.alloc(1000, 1),
      );
      await send(`GET /v2/hang/up/blobs/${big.digest} HTTP/1.1\r\nHost: x\r\n\r\n`);
      await new Promise((r) => setTimeout(r, 200));
      const upload = logs.find(
        (l) => l.method === "POST" && l.path.endsWith("/uploads/") && l.status !== 201,
      );
      expect(upload?.error).toBe("BLOB_UPLOAD_INVALID");
      const download = logs.filter((l) => l.method === "GET").at(-1);
      expect(download?.status).toBe(200);
      expect(download?.error).toBeUndefined();
      expect(logs.some((l) => l.status >= 500 || l.error === "UNKNOWN")).toBe(false);
    } finally {
      await reg.close();
    }
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../cli/testing/capture.js";
import { configFrom, parseConfigText } from "../config/index.js";
import { createLogger, formatRecord } from "./log.js";
import { startRegistryServer } from "./serve.js";

const config = (yaml: string) =>
  configFrom(parseConfigText(`version: 0.1\nstorage:\n  inmemory:\n${yaml}`, "t"), {
    wharfRoot: "/nonexistent",
    flags: { addr: "127.0.0.1:0" },
  });

describe("log records", () => {
  const t = new Date("2024-01-02T03:04:05.000Z");
  it("renders text (logfmt), json and logstash as Distribution's formatters do", () => {
    const fields = { "http.response.status": 201, path: "/v2/a b", user: undefined };
    expect(formatRecord("text", "info", "response completed", fields, t)).toBe(
      'time="2024-01-02T03:04:05.000Z" level=info msg="response completed" http.response.status=201 path="/v2/a b"',
    );
    expect(JSON.parse(formatRecord("json", "warn", "m", fields, t))).toEqual({
      time: "2024-01-02T03:04:05.000Z",
      level: "warn",
      msg: "m",
      "http.response.status": 201,
      path: "/v2/a b",
    });
    expect(JSON.parse(formatRecord("logstash", "error", "m", {}, t))).toEqual({
      "@timestamp": "2024-01-02T03:04:05.000Z",
      "@version": "1",
      level: "error",
      message: "m",
    });
  });

  it("drops records below the level and adds the constant fields", () => {
    const lines: string[] = [];
    const log = createLogger({
      level: "warn",
      formatter: "json",
      fields: { service: "reg" },
      write: (l) => lines.push(l),
    });
    log.info("hidden");
    log.debug("hidden");
    log.warn("shown", { a: 1 });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ msg: "shown", service: "reg", a: 1 }),
    ]);
  });
});

describe("the registry server in process", () => {
  it("serves /v2/ with configured headers and JSON request logs, then stops with a kept-alive client", async () => {
    const lines: string[] = [];
    const reg = await startRegistryServer({
      config: config(
        "log:\n  formatter: json\nhttp:\n  addr: 127.0.0.1:0\n  headers:\n    X-Content-Type-Options: [nosniff]\n",
      ),
      write: (l) => lines.push(l),
    });
    expect(reg.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const agent = new Agent({ keepAlive: true });
    const get = () =>
      new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
        request(`${reg.url}/v2/`, { agent }, (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        })
          .on("error", reject)
          .end();
      });
    const r = await get();
    expect(r.status).toBe(200);
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.headers["docker-distribution-api-version"]).toBe("registry/2.0");
    await reg.close();
    await reg.done;
    agent.destroy();
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records[0]).toMatchObject({ level: "info", msg: `listening on ${reg.url}` });
    expect(records).toContainEqual(
      expect.objectContaining({
        msg: "response completed",
        "http.request.method": "GET",
        "http.response.status": 200,
      }),
    );
    expect(records.at(-1)).toMatchObject({ msg: "stopped" });
  });

  it("waits for a request in flight before stopping, and refuses new connections meanwhile", async () => {
    const lines: string[] = [];
    const reg = await startRegistryServer({
      config: config("log:\n  accesslog:\n    disabled: true\n"),
      write: (l) => lines.push(l),
    });
    const post = await fetch(`${reg.url}/v2/a/blobs/uploads/`, { method: "POST" });
    const location = new URL(post.headers.get("location") as string, reg.url);
    const status = new Promise<number>((resolve, reject) => {
      const req = request(location, { method: "PATCH", headers: { "content-length": 6 } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.write("abc");
      setTimeout(() => req.end("def"), 200);
    });
    await new Promise((r) => setTimeout(r, 50));
    let stopped = false;
    const closing = reg.close().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false);
    await expect(fetch(`${reg.url}/v2/`)).rejects.toThrow();
    expect(await status).toBe(202);
    await closing;
    expect(lines.some((l) => l.includes("response completed"))).toBe(false);
  });

  it("listens on a unix socket with http.net: unix", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wharf-sock-"));
    const sock = join(dir, "reg.sock");
    const c = configFrom(
      parseConfigText(`version: 0.1\nhttp:\n  net: unix\n  addr: ${sock}\nstorage:\n  inmemory:\n`, "t"),
      {
        wharfRoot: "/nonexistent",
      },
    );
    const reg = await startRegistryServer({ config: c, write: () => {} });
    expect(reg.url).toBe(`unix:${sock}`);
    const status = await new Promise<number>((resolve, reject) => {
      request({ socketPath: sock, path: "/v2/" }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on("error", reject)
        .end();
    });
    expect(status).toBe(200);
    await reg.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("reports a port in use as an error", async () => {
    const first = await startRegistryServer({ config: config(""), write: () => {} });
    const port = new URL(first.url).port;
    const c = config("");
    c.listen = { net: "tcp", host: "127.0.0.1", port: Number(port) };
    await expect(startRegistryServer({ config: c, write: () => {} })).rejects.toThrow(/EADDRINUSE/);
    await first.close();
  });
});

describe("wharf registry serve (CLI errors)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-serve-cli-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("exits 1 naming the key of an unsupported setting", async () => {
    const r = await runCli(["registry", "serve", "--root", dir], {
      env: { REGISTRY_HTTP_PREFIX: "/reg/" },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^Error: config: http\.prefix: unsupported setting/);
    expect(r.stderr).toMatch(/Hint: remove it/);
  });

  it("exits 1 for a proxy.remoteurl that is not an http(s) URL", async () => {
    const r = await runCli(["registry", "serve", "--root", dir], {
      env: { REGISTRY_PROXY_REMOTEURL: "ftp://x.test" },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^Error: config: proxy\.remoteurl: not an http\(s\) URL/);
    expect(r.stderr).toMatch(/Hint: e\.g\. https:/);
  });

  it("exits 1 for a missing htpasswd file", async () => {
    const r = await runCli(["registry", "serve", "--addr", "127.0.0.1:0", "--htpasswd", join(dir, "none")], {
      env: {},
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot read htpasswd file/);
  });
});

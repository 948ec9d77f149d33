import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { staticCredentials } from "../auth/index.js";
import { collect } from "../digest/index.js";
import { parseChallenges } from "./challenge.js";
import { startServer, type TinyServer } from "./testing/http-server.js";
import { allowsInsecure, apiHost, createTransport, isLoopbackHost, type Transport } from "./transport.js";

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});
const track = <T extends { close(): unknown }>(o: T): T => {
  open.push(o);
  return o;
};
const fast = { retry: { baseDelayMs: 1, maxDelayMs: 5 } };
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;

/** A token server issuing `tok-<n>` for any request, or only with the right basic credentials. */
async function tokenServer(opts: { user?: string; pass?: string; field?: string; expiresIn?: number } = {}) {
  let n = 0;
  return track(
    await startServer((req, res) => {
      if (opts.user && req.headers.authorization !== basic(opts.user, opts.pass ?? "")) {
        res.statusCode = 401;
        res.end('{"details":"incorrect username or password"}');
        return;
      }
      n++;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ [opts.field ?? "token"]: `tok-${n}`, expires_in: opts.expiresIn ?? 300 }));
    }),
  );
}

/** A registry wanting `Bearer <one of valid()>` everywhere, challenging with the token server. */
async function bearerRegistry(realm: TinyServer, valid: () => string[], body = "ok") {
  return track(
    await startServer((req, res) => {
      const auth = req.headers.authorization ?? "";
      if (!valid().some((t) => auth === `Bearer ${t}`)) {
        const scope = req.url === "/v2/" ? "" : `,scope="repository:app:pull"`;
        res.statusCode = 401;
        res.setHeader(
          "www-authenticate",
          `Bearer realm="${realm.url}/token",service="test-registry"${scope}`,
        );
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
        return;
      }
      res.end(body);
    }),
  );
}

async function get(t: Transport, path: string, scopes = ["repository:app:pull"]) {
  const res = await t.request({ method: "GET", path, scopes });
  return { status: res.status, text: (await collect(res.body, 1 << 20)).toString() };
}

describe("WWW-Authenticate parsing", () => {
  it("reads bearer and basic challenges", () => {
    expect(
      parseChallenges('Bearer realm="https://a/token",service="reg",scope="repository:x/y:pull,push"'),
    ).toEqual([
      {
        scheme: "bearer",
        params: { realm: "https://a/token", service: "reg", scope: "repository:x/y:pull,push" },
      },
    ]);
    expect(parseChallenges(['Basic realm="Registry Realm"', "Bearer realm=x"])).toEqual([
      { scheme: "basic", params: { realm: "Registry Realm" } },
      { scheme: "bearer", params: { realm: "x" } },
    ]);
    expect(parseChallenges('Basic realm="a\\"b", Bearer realm="r"')).toHaveLength(2);
    expect(parseChallenges(undefined)).toEqual([]);
  });
});

describe("scheme choice", () => {
  it("allows plain HTTP for loopback and named insecure registries only", () => {
    for (const h of ["localhost", "localhost:5000", "127.0.0.1:5000", "127.8.9.1", "[::1]:5000", "::1"]) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    for (const h of ["reg.example:5000", "128.0.0.1", "[::2]:5000", "localhost.example"]) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
    expect(allowsInsecure("reg.example:5000")).toBe(false);
    expect(allowsInsecure("reg.example:5000", ["reg.example:5000"])).toBe(true);
    expect(allowsInsecure("reg.example:5000", ["reg.example"])).toBe(true);
  });

  it("falls back from HTTPS to HTTP on a loopback registry and reuses connections", async () => {
    const sockets = new Set<unknown>();
    const reg = track(
      await startServer((req, res) => {
        sockets.add(req.socket);
        res.end("hello");
      }),
    );
    const t = track(createTransport(reg.host, fast));
    expect((await t.ping()).base.href).toBe(`${reg.url}/`);
    for (let i = 0; i < 5; i++) expect((await get(t, "/v2/x")).text).toBe("hello");
    expect(sockets.size).toBeLessThanOrEqual(2);
    expect(reg.seen[1]?.headers["user-agent"]).toMatch(/^wharf/);
  });

  it("reaches a loopback WHARF_DEFAULT_REGISTRY_API over plain HTTP, as any loopback registry", async () => {
    const reg = track(
      await startServer((_req, res) => {
        res.end("hub");
      }),
    );
    const saved = process.env.WHARF_DEFAULT_REGISTRY_API;
    process.env.WHARF_DEFAULT_REGISTRY_API = reg.host;
    try {
      const t = track(createTransport("docker.io", fast));
      expect((await t.ping()).base.href).toBe(`${reg.url}/`);
    } finally {
      if (saved === undefined) delete process.env.WHARF_DEFAULT_REGISTRY_API;
      else process.env.WHARF_DEFAULT_REGISTRY_API = saved;
    }
  });

  it("reports a registry that is not running", async () => {
    const reg = await startServer((_q, s) => {
      s.end();
    });
    await reg.close();
    const t = track(createTransport(reg.host, fast));
    await expect(t.ping()).rejects.toMatchObject({
      code: "network",
      message: expect.stringContaining(reg.host),
    });
  });
});

describe("token auth", () => {
  it("gets an anonymous token for the scope, once, and sends it", async () => {
    const tokens = await tokenServer();
    const reg = await bearerRegistry(tokens, () => ["tok-1"]);
    const t = track(createTransport(reg.host, fast));
    expect(await t.ping()).toMatchObject({ auth: "bearer" });
    const results = await Promise.all([get(t, "/v2/app/a"), get(t, "/v2/app/b"), get(t, "/v2/app/c")]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(tokens.seen).toHaveLength(1);
    const q = new URL(tokens.seen[0]?.url ?? "", tokens.url).searchParams;
    expect(q.get("service")).toBe("test-registry");
    expect(q.getAll("scope")).toEqual(["repository:app:pull"]);
    expect(tokens.seen[0]?.headers.authorization).toBeUndefined();
    // The resources were asked for once each: the token was there up front.
    expect(reg.seen.filter((s) => s.url !== "/v2/").length).toBe(3);
  });

  it("sends credentials to the token endpoint and reads access_token", async () => {
    const tokens = await tokenServer({ user: "alice", pass: "pw", field: "access_token" });
    const reg = await bearerRegistry(tokens, () => ["tok-1"]);
    const creds = staticCredentials({ [reg.host]: { username: "alice", password: "pw" } });
    const t = track(createTransport(reg.host, { ...fast, credentials: creds }));
    expect(await get(t, "/v2/app/a")).toEqual({ status: 200, text: "ok" });
    expect(tokens.seen[0]?.headers.authorization).toBe(basic("alice", "pw"));
    expect(new URL(tokens.seen[0]?.url ?? "", tokens.url).searchParams.get("account")).toBe("alice");
  });

  it("refuses wrong credentials without showing them", async () => {
    const tokens = await tokenServer({ user: "alice", pass: "pw" });
    const reg = await bearerRegistry(tokens, () => ["tok-1"]);
    const creds = staticCredentials({ [reg.host]: { username: "alice", password: "wrong-secret" } });
    const t = track(createTransport(reg.host, { ...fast, credentials: creds }));
    const err = await get(t, "/v2/app/a").catch((e: unknown) => e as Error);
    expect(err).toMatchObject({
      code: "unauthorized",
      message: `${reg.host}: unauthorized: incorrect username or password`,
    });
    expect(JSON.stringify(err)).not.toContain("wrong-secret");
  });

  it("refreshes a token when it expires, and when the registry rejects it", async () => {
    let clock = 1_000_000;
    const tokens = await tokenServer({ expiresIn: 60 });
    let valid = ["tok-1"];
    const reg = await bearerRegistry(tokens, () => valid);
    const t = track(createTransport(reg.host, { ...fast, now: () => clock }));
    expect((await get(t, "/v2/app/a")).status).toBe(200);
    clock += 30_000;
    expect((await get(t, "/v2/app/a")).status).toBe(200);
    expect(tokens.seen).toHaveLength(1);
    clock += 31_000;
    valid = ["tok-2"];
    expect((await get(t, "/v2/app/a")).status).toBe(200);
    expect(tokens.seen).toHaveLength(2);
    valid = ["tok-3"]; // revoked early: the 401 makes the client fetch a fresh one
    expect((await get(t, "/v2/app/a")).status).toBe(200);
    expect(tokens.seen).toHaveLength(3);
  });

  it("uses the scope the challenge names along with the request's", async () => {
    const tokens = await tokenServer();
    const reg = await bearerRegistry(tokens, () => ["tok-2"]);
    const t = track(createTransport(reg.host, fast));
    expect((await get(t, "/v2/app/a", [])).status).toBe(200);
    const last = new URL(tokens.seen.at(-1)?.url ?? "", tokens.url).searchParams;
    expect(last.getAll("scope")).toEqual(["repository:app:pull"]);
  });
});

describe("basic auth", () => {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== basic("bob", "s3cret")) {
      res.statusCode = 401;
      res.setHeader("www-authenticate", 'Basic realm="Registry Realm"');
      res.end();
      return;
    }
    res.end("ok");
  };

  it("answers a basic challenge with the stored credentials", async () => {
    const reg = track(await startServer(handler));
    const creds = staticCredentials({ [reg.host]: { username: "bob", password: "s3cret" } });
    const t = track(createTransport(reg.host, { ...fast, credentials: creds }));
    expect(await t.ping()).toMatchObject({ auth: "basic" });
    expect(await get(t, "/v2/app/a")).toEqual({ status: 200, text: "ok" });
    expect(reg.seen.filter((s) => s.url === "/v2/app/a")).toHaveLength(1);
  });

  it("says `no basic auth credentials` when there are none, as Docker's client", async () => {
    const reg = track(await startServer(handler));
    const t = track(createTransport(reg.host, fast));
    await expect(get(t, "/v2/app/a")).rejects.toMatchObject({
      code: "unauthorized",
      message: "no basic auth credentials",
      hint: `log in first: wharf login ${reg.host}`,
    });
  });
});

describe("retries", () => {
  it("retries 503 and 429 with back-off, then succeeds", async () => {
    let n = 0;
    const reg = track(
      await startServer((req, res) => {
        if (req.url === "/v2/") return void res.end();
        n++;
        if (n === 1) res.statusCode = 503;
        else if (n === 2) {
          res.statusCode = 429;
          res.setHeader("retry-after", "0");
        }
        res.end(n >= 3 ? "done" : "busy");
      }),
    );
    const t = track(createTransport(reg.host, fast));
    expect(await get(t, "/v2/app/a")).toEqual({ status: 200, text: "done" });
    expect(n).toBe(3);
  });

  it("gives up after the bounded number of attempts", async () => {
    const reg = track(
      await startServer((req, res) => {
        res.statusCode = req.url === "/v2/" ? 200 : 503;
        res.end();
      }),
    );
    const t = track(createTransport(reg.host, { retry: { attempts: 3, baseDelayMs: 1 } }));
    expect((await get(t, "/v2/app/a")).status).toBe(503);
    expect(reg.seen.filter((s) => s.url === "/v2/app/a")).toHaveLength(3);
  });

  it("retries a connection reset", async () => {
    let n = 0;
    const reg = track(
      await startServer((req, res) => {
        if (req.url !== "/v2/" && n++ === 0) {
          req.socket.destroy();
          return;
        }
        res.end("after reset");
      }),
    );
    const t = track(createTransport(reg.host, fast));
    expect(await get(t, "/v2/app/a")).toEqual({ status: 200, text: "after reset" });
  });
});

describe("redirects", () => {
  it("follows a blob redirect to another host without the registry's Authorization", async () => {
    const storage = track(
      await startServer((_req, res) => {
        res.end("blob bytes");
      }),
    );
    const reg = track(
      await startServer((req, res) => {
        if (req.headers.authorization !== basic("u", "p")) {
          res.statusCode = 401;
          res.setHeader("www-authenticate", 'Basic realm="r"');
          return void res.end();
        }
        if (req.url === "/v2/app/blobs/same") {
          res.statusCode = 307;
          res.setHeader("location", "/v2/app/blobs/moved");
          return void res.end();
        }
        if (req.url === "/v2/app/blobs/moved") return void res.end("same-origin bytes");
        res.statusCode = 307;
        // localhost, not 127.0.0.1: another origin on the same machine
        res.setHeader("location", `http://localhost:${storage.port}/data?sig=1`);
        res.end();
      }),
    );
    const creds = staticCredentials({ [reg.host]: { username: "u", password: "p" } });
    const t = track(createTransport(reg.host, { ...fast, credentials: creds }));
    expect(await get(t, "/v2/app/blobs/sha")).toEqual({ status: 200, text: "blob bytes" });
    expect(storage.seen[0]?.url).toBe("/data?sig=1");
    expect(storage.seen[0]?.headers.authorization).toBeUndefined();
    expect(await get(t, "/v2/app/blobs/same")).toEqual({ status: 200, text: "same-origin bytes" });
    expect(reg.seen.at(-1)?.headers.authorization).toBe(basic("u", "p"));
  });
});

describe("apiHost", () => {
  it("maps Docker Hub's names to its API host, registry-1.docker.io, and nothing else", () => {
    expect(apiHost("docker.io", {})).toBe("registry-1.docker.io");
    expect(apiHost("index.docker.io", {})).toBe("registry-1.docker.io");
    expect(apiHost("registry-1.docker.io", {})).toBe("registry-1.docker.io");
    expect(apiHost("localhost:5000", {})).toBe("localhost:5000");
    expect(apiHost("quay.io", {})).toBe("quay.io");
  });

  it("lets WHARF_DEFAULT_REGISTRY_API override the default registry's API host", () => {
    const env = { WHARF_DEFAULT_REGISTRY_API: "api.registry.example.test" };
    expect(apiHost("docker.io", env)).toBe("api.registry.example.test");
    expect(apiHost("index.docker.io", env)).toBe("api.registry.example.test");
    expect(apiHost("localhost:5000", env)).toBe("localhost:5000");
  });
});

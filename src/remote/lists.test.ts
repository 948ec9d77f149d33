import { afterEach, describe, expect, it } from "vitest";
import { nextLink } from "./body.js";
import { checkLogin, createTransport, listCatalog, listTags, type Transport } from "./index.js";
import { startServer, type TinyServer } from "./testing/http-server.js";

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

/** A registry paginating `/tags/list` and `/_catalog` with `n` and `last` and `Link` headers. */
async function paginating(items: string[]): Promise<TinyServer> {
  const s = await startServer((req, res) => {
    const url = new URL(req.url ?? "", "http://x");
    if (url.pathname === "/v2/") return void res.end("{}");
    const n = Number(url.searchParams.get("n") ?? items.length);
    const last = url.searchParams.get("last");
    const start = last ? items.indexOf(last) + 1 : 0;
    const page = items.slice(start, start + n);
    if (start + n < items.length) {
      res.setHeader("link", `<${url.pathname}?last=${page.at(-1)}&n=${n}>; rel="next"`);
    }
    res.setHeader("content-type", "application/json");
    const key = url.pathname === "/v2/_catalog" ? "repositories" : "tags";
    res.end(JSON.stringify({ name: "app", [key]: page }));
  });
  open.push(s);
  return s;
}

function transport(host: string): Transport {
  const t = createTransport(host, { retry: { baseDelayMs: 1 } });
  open.push(t);
  return t;
}

describe("pagination", () => {
  it("parses Link headers", () => {
    expect(nextLink('</v2/app/tags/list?last=b&n=2>; rel="next"')).toBe("/v2/app/tags/list?last=b&n=2");
    expect(nextLink('<https://x/a>; rel="prev", </b?last=c>; rel=next')).toBe("/b?last=c");
    expect(nextLink(undefined)).toBeUndefined();
  });

  it("follows Link pages for tags and the catalog", async () => {
    const s = await paginating(["a", "b", "c", "d", "e"]);
    const t = transport(s.host);
    expect(await listTags({ transport: t, path: "app" }, { pageSize: 2 })).toEqual(["a", "b", "c", "d", "e"]);
    expect(s.seen.filter((r) => r.url.includes("/tags/list")).map((r) => r.url)).toEqual([
      "/v2/app/tags/list?n=2",
      "/v2/app/tags/list?last=b&n=2",
      "/v2/app/tags/list?last=d&n=2",
    ]);
    expect(await listCatalog(t, { pageSize: 3 })).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("treats a null tag list as empty and a missing repository as an error", async () => {
    const s = await startServer((req, res) => {
      if (req.url === "/v2/") return void res.end();
      if (req.url?.startsWith("/v2/empty/")) return void res.end('{"name":"empty","tags":null}');
      res.statusCode = 404;
      res.end('{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}');
    });
    open.push(s);
    const t = transport(s.host);
    expect(await listTags({ transport: t, path: "empty" })).toEqual([]);
    await expect(listTags({ transport: t, path: "nope" })).rejects.toMatchObject({
      code: "name-unknown",
      message: `cannot list tags of ${s.host}/nope: name unknown: repository name not known to registry`,
    });
  });
});

describe("login check", () => {
  it("asks the token endpoint for an offline token and returns the refresh token", async () => {
    const tokens = await startServer((req, res) => {
      const ok = req.headers.authorization === `Basic ${Buffer.from("u:p").toString("base64")}`;
      res.statusCode = ok ? 200 : 401;
      res.end(ok ? JSON.stringify({ token: "t", refresh_token: "refresh-me" }) : "{}");
    });
    const reg = await startServer((_req, res) => {
      res.statusCode = 401;
      res.setHeader("www-authenticate", `Bearer realm="${tokens.url}/token",service="svc"`);
      res.end();
    });
    open.push(tokens, reg);
    expect(await checkLogin(reg.host, { username: "u", password: "p" })).toEqual({
      auth: "bearer",
      identityToken: "refresh-me",
    });
    const q = new URL(tokens.seen[0]?.url ?? "", tokens.url).searchParams;
    expect(q.get("offline_token")).toBe("true");
    expect(q.get("service")).toBe("svc");
    await expect(checkLogin(reg.host, { username: "u", password: "bad" })).rejects.toMatchObject({
      code: "unauthorized",
    });
  });

  it("passes on a registry that asks for no authentication", async () => {
    const reg = await startServer((_req, res) => {
      res.end("{}");
    });
    open.push(reg);
    expect(await checkLogin(reg.host, { username: "u", password: "p" })).toEqual({ auth: "none" });
  });

  it("uses an identity token with the OAuth refresh grant", async () => {
    let form = "";
    const tokens = await startServer(async (req, res) => {
      for await (const c of req) form += String(c);
      res.end(JSON.stringify({ access_token: "at" }));
    });
    const reg = await startServer((req, res) => {
      if (req.headers.authorization === "Bearer at") return void res.end("ok");
      res.statusCode = 401;
      res.setHeader("www-authenticate", `Bearer realm="${tokens.url}/token",service="svc"`);
      res.end();
    });
    open.push(tokens, reg);
    const t = createTransport(reg.host, {
      credentials: async () => ({ username: "", password: "", identityToken: "idt" }),
    });
    open.push(t);
    const res = await t.request({
      method: "GET",
      path: "/v2/app/tags/list",
      scopes: ["repository:app:pull"],
    });
    res.discard();
    expect(res.status).toBe(200);
    expect(tokens.seen[0]?.method).toBe("POST");
    const params = new URLSearchParams(form);
    expect(params.get("grant_type")).toBe("refresh_token");
    expect(params.get("refresh_token")).toBe("idt");
    expect(params.get("scope")).toBe("repository:app:pull");
  });
});

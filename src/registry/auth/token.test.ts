import { spawnSync } from "node:child_process";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { decodeJwt, decodeProtectedHeader, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openHtpasswd } from "./htpasswd.js";
import {
  libtrustKeyId,
  loadCertBundle,
  loadSigningKey,
  type SigningKey,
  trustedKeyResolver,
} from "./keys.js";
import { parseScopes } from "./scope.js";
import { createAuthorizer } from "./setup.js";
import { tokenAuthorizer } from "./token.js";
import { tokenEndpoint } from "./token-server.js";
import type { Authorizer } from "./types.js";

const bearer = (token: string) =>
  ({ headers: { host: "reg.test", authorization: `Bearer ${token}` } }) as unknown as IncomingMessage;
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;

describe("token auth with the built-in token endpoint", () => {
  let dir: string;
  let server: Server;
  let base: string;
  let key: SigningKey;
  let auth: Authorizer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-token-"));
    await writeFile(
      join(dir, "htpasswd"),
      `alice:${bcrypt.hashSync("secret", 4)}\nbob:${bcrypt.hashSync("pw", 4)}\n`,
    );
    key = await loadSigningKey({ path: join(dir, "key.pem") });
    const handle = tokenEndpoint({
      service: "reg.test",
      issuer: "wharf-test",
      key,
      htpasswd: await openHtpasswd(join(dir, "htpasswd")),
      anonymous: true,
      rules: [
        { account: "alice", type: "repository", name: "**", actions: ["pull", "push", "delete"] },
        { account: "bob", type: "repository", name: "bob/*", actions: ["pull", "push"] },
        { anonymous: true, type: "repository", name: "public/*", actions: ["pull"] },
      ],
    });
    auth = tokenAuthorizer({
      realm: (req) => `http://${req.headers.host}/auth/token`,
      service: "reg.test",
      issuer: "wharf-test",
      resolveKey: trustedKeyResolver([], [key.publicKey]),
      handle,
    });
    server = createServer((req, res) => {
      void auth.handle?.(req, res).then((mine) => {
        if (!mine) res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  const token = async (query: string, authorization?: string) => {
    const res = await fetch(`${base}/auth/token?${query}`, {
      headers: authorization ? { authorization } : {},
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };

  it("writes the generated key with mode 0600 and reloads the same key", async () => {
    expect((await stat(join(dir, "key.pem"))).mode & 0o777).toBe(0o600);
    const again = await loadSigningKey({ path: join(dir, "key.pem") });
    expect(again.kid).toBe(key.kid);
    expect(key.alg).toBe("ES256");
    expect(key.kid).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  });

  it("issues a token granting only the intersection of scopes and rules", async () => {
    const q = "service=reg.test&scope=repository:bob/app:pull,push,delete&scope=repository:alice/x:pull";
    const r = await token(q, basic("bob", "pw"));
    expect(r.status).toBe(200);
    expect(r.body.token).toBe(r.body.access_token);
    expect(r.body.expires_in).toBe(300);
    expect(typeof r.body.issued_at).toBe("string");
    const claims = decodeJwt(r.body.token as string);
    expect(claims).toMatchObject({ iss: "wharf-test", sub: "bob", aud: "reg.test" });
    expect(claims.access).toEqual([
      { type: "repository", name: "bob/app", actions: ["pull", "push"] },
      { type: "repository", name: "alice/x", actions: [] },
    ]);
    expect(decodeProtectedHeader(r.body.token as string)).toMatchObject({ alg: "ES256", kid: key.kid });

    const t = r.body.token as string;
    expect(await auth.authorize(bearer(t), parseScopes("repository:bob/app:pull,push"))).toEqual({
      ok: true,
      subject: "bob",
    });
    const short = await auth.authorize(bearer(t), parseScopes("repository:bob/app:delete"));
    expect(short).toMatchObject({ ok: false, status: 401 });
    expect(short.ok ? "" : short.challenge).toBe(
      'Bearer realm="http://reg.test/auth/token",service="reg.test",scope="repository:bob/app:delete",error="insufficient_scope"',
    );
  });

  it("grants the allowed actions for the scope repository:NAME:*, listed by name", async () => {
    const r = await token("service=reg.test&scope=repository:bob/app:*", basic("bob", "pw"));
    expect(r.status).toBe(200);
    expect(decodeJwt(r.body.token as string).access).toEqual([
      { type: "repository", name: "bob/app", actions: ["pull", "push"] },
    ]);
    const t = r.body.token as string;
    expect(await auth.authorize(bearer(t), parseScopes("repository:bob/app:pull,push"))).toMatchObject({
      ok: true,
    });
    const a = await token("service=reg.test&scope=repository:any/thing:*", basic("alice", "secret"));
    expect(decodeJwt(a.body.token as string).access).toEqual([
      { type: "repository", name: "any/thing", actions: ["pull", "push", "delete"] },
    ]);
    expect(
      await auth.authorize(bearer(a.body.token as string), parseScopes("repository:any/thing:delete")),
    ).toMatchObject({ ok: true });
  });

  it("refuses wrong credentials and unknown services; gives anonymous clients what rules allow", async () => {
    const bad = await token("service=reg.test", basic("bob", "nope"));
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    expect((await token("service=other", basic("bob", "pw"))).status).toBe(400);
    const anon = await token(
      "service=reg.test&scope=repository:public/a:pull,push&scope=repository:bob/b:pull",
    );
    expect(anon.status).toBe(200);
    expect(decodeJwt(anon.body.token as string).access).toEqual([
      { type: "repository", name: "public/a", actions: ["pull"] },
      { type: "repository", name: "bob/b", actions: [] },
    ]);
    expect(decodeJwt(anon.body.token as string).sub).toBe("");
  });

  it("answers the OAuth2 password grant", async () => {
    const res = await fetch(`${base}/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=password&username=alice&password=secret&service=reg.test&scope=repository:a:pull",
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; scope: string };
    expect(body.scope).toBe("repository:a:pull");
    expect(decodeJwt(body.access_token).sub).toBe("alice");
  });

  it("challenges requests without a token and rejects bad ones", async () => {
    const need = parseScopes("repository:a/b:pull,push");
    const none = await auth.authorize({ headers: { host: "reg.test:5000" } } as IncomingMessage, need);
    expect(none).toEqual({
      ok: false,
      status: 401,
      challenge:
        'Bearer realm="http://reg.test:5000/auth/token",service="reg.test",scope="repository:a/b:pull,push"',
      message: "authentication required",
    });
    const garbage = await auth.authorize(bearer("not.a.token"), need);
    expect(garbage.ok ? "" : garbage.challenge).toMatch(/error="invalid_token"$/);

    const sign = (
      claims: { iss?: string; aud?: string; exp?: number },
      k = key.privateKey,
      kid = key.kid,
    ) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ access: [{ type: "repository", name: "a/b", actions: ["pull", "push"] }] })
        .setProtectedHeader({ alg: "ES256", kid })
        .setIssuer(claims.iss ?? "wharf-test")
        .setAudience(claims.aud ?? "reg.test")
        .setExpirationTime(claims.exp ?? now + 60)
        .sign(k);
    };
    expect(await auth.authorize(bearer(await sign({})), need)).toEqual({ ok: true });
    for (const t of [
      await sign({ iss: "someone-else" }),
      await sign({ aud: "other-service" }),
      await sign({ exp: Math.floor(Date.now() / 1000) - 3600 }),
      await sign({}, (await loadSigningKey({})).privateKey),
      await sign({}, key.privateKey, "AAAA:BBBB"),
    ]) {
      expect(await auth.authorize(bearer(t), need)).toMatchObject({ ok: false, status: 401 });
    }
  });
});

describe("tokens from an external issuer (auth.token with rootcertbundle)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-token-ext-"));
    const openssl = (...args: string[]) =>
      expect(spawnSync("openssl", args, { stdio: "ignore" }).status).toBe(0);
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
      "req",
      "-x509",
      ...ec,
      "-keyout",
      join(dir, "ca.key"),
      "-out",
      join(dir, "ca.pem"),
      "-days",
      "1",
      "-subj",
      "/CN=ca",
    );
    openssl(
      "req",
      ...ec,
      "-keyout",
      join(dir, "leaf.key"),
      "-out",
      join(dir, "leaf.csr"),
      "-subj",
      "/CN=leaf",
    );
    openssl(
      ...[
        "x509",
        "-req",
        "-in",
        join(dir, "leaf.csr"),
        "-CA",
        join(dir, "ca.pem"),
        "-CAkey",
        join(dir, "ca.key"),
      ],
      ...["-CAcreateserial", "-out", join(dir, "leaf.pem"), "-days", "1"],
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("accepts tokens whose x5c chain leads to the bundle, or whose kid names a bundle key", async () => {
    const auth = await createAuthorizer(
      {
        kind: "token",
        realm: "https://auth.example.test/token",
        service: "reg",
        issuer: "ext",
        rootcertbundle: join(dir, "ca.pem"),
      },
      { tls: false },
    );
    const leafKey = createPrivateKey(await readFile(join(dir, "leaf.key"), "utf8"));
    const caKey = createPrivateKey(await readFile(join(dir, "ca.key"), "utf8"));
    const der = (f: string) => new X509Certificate(Buffer.from(f)).raw.toString("base64");
    const leafDer = der(await readFile(join(dir, "leaf.pem"), "utf8"));
    const need = parseScopes("repository:r:pull");
    const sign = (header: Record<string, unknown>, k = leafKey) =>
      new SignJWT({ access: need })
        .setProtectedHeader({ alg: "ES256", ...header })
        .setIssuer("ext")
        .setAudience("reg")
        .setExpirationTime("1m")
        .sign(k);
    expect(await auth.authorize(bearer(await sign({ x5c: [leafDer] })), need)).toEqual({ ok: true });
    const [ca] = await loadCertBundle(join(dir, "ca.pem"));
    const caKid = libtrustKeyId(ca?.publicKey as never);
    expect(await auth.authorize(bearer(await sign({ kid: caKid }, caKey)), need)).toEqual({ ok: true });
    // A self-made chain, or a leaf key claiming the CA's kid, is refused.
    const self = await loadSigningKey({});
    expect(await auth.authorize(bearer(await sign({ kid: caKid }, self.privateKey)), need)).toMatchObject({
      ok: false,
    });
    expect(await auth.authorize(bearer(await sign({ kid: self.kid }, self.privateKey)), need)).toMatchObject({
      ok: false,
    });
    expect(await auth.authorize(bearer(await sign({})), need)).toMatchObject({ ok: false, status: 401 });
  });

  it("refuses an external token config without a root certificate bundle", async () => {
    await expect(
      createAuthorizer(
        { kind: "token", realm: "https://a.test/t", service: "s", issuer: "i" },
        { tls: false },
      ),
    ).rejects.toThrow(/rootcertbundle/);
  });
});

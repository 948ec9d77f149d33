import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importPKCS8, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staticCredentials } from "../../src/auth/index.js";
import { bytesOf, digestOf } from "../../src/digest/index.js";
import { validateRegistry } from "../../src/images/testing/validate.js";
import { type Distribution, startDistribution } from "../../src/registry/testing/distribution.js";
import {
  checkLogin,
  createTransport,
  fetchManifest,
  listCatalog,
  putManifest,
  type Repository,
  uploadBlob,
} from "../../src/remote/index.js";
import { startServer, type TinyServer } from "../../src/remote/testing/http-server.js";
import { makeImage } from "../../src/remote/testing/images.js";

/**
 * Distribution 2.8.2 with `auth.token`: a small token server here signs ES256 JWTs (the certificate
 * in `x5c`, trusted through Distribution's `rootcertbundle`), granting what it is asked to the user
 * alice and only `pull` to anonymous clients.
 */
describe("token auth against Distribution", () => {
  let dir: string;
  let reg: Distribution;
  let tokens: TinyServer;
  const issued: { account: string | null; scopes: string[] }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-token-"));
    const made = spawnSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
        ...[
          "-keyout",
          join(dir, "key.pem"),
          "-out",
          join(dir, "cert.pem"),
          "-days",
          "1",
          "-subj",
          "/CN=wharf-test-token",
        ],
      ],
      { stdio: "ignore" },
    );
    expect(made.status).toBe(0);
    const key = await importPKCS8(await readFile(join(dir, "key.pem"), "utf8"), "ES256");
    const pem = await readFile(join(dir, "cert.pem"), "utf8");
    const der = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
    tokens = await startServer(async (req, res) => {
      const url = new URL(req.url ?? "", "http://x");
      const auth = req.headers.authorization;
      let user: string | undefined;
      if (auth !== undefined) {
        if (auth !== `Basic ${Buffer.from("alice:wonderland").toString("base64")}`) {
          res.statusCode = 401;
          return void res.end('{"details":"bad credentials"}');
        }
        user = "alice";
      }
      const scopes = url.searchParams.getAll("scope");
      issued.push({ account: url.searchParams.get("account"), scopes });
      const access = scopes.map((s) => {
        const [type, name, actions] = s.split(":") as [string, string, string];
        const granted = user ? actions.split(",") : actions.split(",").filter((a) => a === "pull");
        return { type, name, actions: granted };
      });
      const token = await new SignJWT({ access })
        .setProtectedHeader({ alg: "ES256", x5c: [der] })
        .setIssuer("wharf-test-issuer")
        .setAudience("wharf-test-registry")
        .setSubject(user ?? "")
        .setIssuedAt()
        .setNotBefore("-10s")
        .setExpirationTime("5m")
        .setJti(String(issued.length))
        .sign(key);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ token, expires_in: 300 }));
    });
    reg = await startDistribution({
      extraYaml: [
        "auth:",
        "  token:",
        `    realm: ${tokens.url}/token`,
        "    service: wharf-test-registry",
        "    issuer: wharf-test-issuer",
        `    rootcertbundle: ${join(dir, "cert.pem")}`,
      ].join("\n"),
    });
  });
  afterAll(async () => {
    await reg?.close();
    await tokens?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("pushes with credentials and pulls anonymously, a token per scope", async () => {
    const creds = staticCredentials({ [reg.host]: { username: "alice", password: "wonderland" } });
    const t = createTransport(reg.host, { credentials: creds });
    const repo: Repository = { transport: t, path: "team/app" };
    const image = await makeImage();
    for (const b of [image.config, ...image.layers]) await uploadBlob(repo, b.desc, () => bytesOf(b.bytes));
    await putManifest(repo, "v1", {
      bytes: image.manifest.bytes,
      mediaType: image.manifest.desc.mediaType,
    });
    t.close();
    expect(issued.filter((i) => i.account === "alice").map((i) => i.scopes)).toEqual([
      ["repository:team/app:pull,push"],
    ]);

    const anon = createTransport(reg.host);
    const got = await fetchManifest({ transport: anon, path: "team/app" }, "v1");
    expect(got.digest).toBe(image.manifest.desc.digest);
    expect(await validateRegistry({ transport: anon, path: "team/app" }, "v1")).toMatchObject({ images: 1 });
    const data = Buffer.from("x");
    await expect(
      uploadBlob({ transport: anon, path: "team/app" }, { digest: digestOf(data), size: 1 }, () =>
        bytesOf(data),
      ),
    ).rejects.toMatchObject({ code: "unauthorized" });
    await expect(listCatalog(anon)).rejects.toMatchObject({ code: "unauthorized" });
    anon.close();
  });

  it("checks logins at the token endpoint", async () => {
    expect(await checkLogin(reg.host, { username: "alice", password: "wonderland" })).toEqual({
      auth: "bearer",
    });
    await expect(checkLogin(reg.host, { username: "alice", password: "nope" })).rejects.toMatchObject({
      code: "unauthorized",
      message: `${reg.host}: unauthorized: incorrect username or password`,
    });
  });
});

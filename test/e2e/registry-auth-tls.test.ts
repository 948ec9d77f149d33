import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf } from "../../src/digest/index.js";
import { ensureBuilt, type ServeProcess, spawnServe } from "../../src/registry/serve/testing/cli.js";
import { startDistribution } from "../../src/registry/testing/distribution.js";
import { makeImage, type TestImage, writeOciLayout } from "../../src/remote/testing/images.js";
import { validateOnRegistry } from "./helpers/validate.js";

function run(cmd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, cmd === "skopeo" ? ["--insecure-policy", ...args] : args, {
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** TLS, Distribution-style environment configuration, config errors, shutdown, and token interop. */
describe("wharf registry serve: TLS, environment, shutdown", () => {
  let dir: string;
  let image: TestImage;
  let layout: string;
  const servers: ServeProcess[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), "wharf-reg-tls-"));
    const htpasswd = run("htpasswd", "-Bbn", "-C", "5", "alice", "wonderland");
    expect(htpasswd.status).toBe(0);
    await writeFile(join(dir, "htpasswd"), htpasswd.stdout);
    image = await makeImage({ layers: [50_000, 100] });
    layout = join(dir, "layout");
    await writeOciLayout(layout, image, "v1");
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const serve = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const s = await spawnServe(["--root", join(dir, "state"), "registry", "serve", ...args], env);
    servers.push(s);
    return s;
  };

  it("serves HTTPS with a self-signed certificate, with basic and with token auth", async () => {
    const made = run(
      "openssl",
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"],
      ...[
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        join(dir, "tls.key"),
        "-out",
        join(dir, "tls.crt"),
      ],
    );
    expect(made.status, made.stderr).toBe(0);
    const tls = ["--tls-cert", join(dir, "tls.crt"), "--tls-key", join(dir, "tls.key")];
    const basic = await serve([
      "--addr",
      "127.0.0.1:0",
      "--root",
      join(dir, "tls-basic"),
      ...tls,
      "--htpasswd",
      join(dir, "htpasswd"),
    ]);
    expect(basic.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const copy = run(
      "skopeo",
      ...["copy", "--dest-tls-verify=false", "--dest-creds", "alice:wonderland"],
      ...[`oci:${layout}:v1`, `docker://${basic.host}/secure/app:v1`],
    );
    expect(copy.status, copy.stderr).toBe(0);
    await validateOnRegistry(basic.host, "secure/app", "v1", {
      credentials: async () => ({ username: "alice", password: "wonderland" }),
    });
    const inspect = run(
      "skopeo",
      "inspect",
      "--tls-verify=false",
      "--creds",
      "alice:wonderland",
      `docker://${basic.host}/secure/app:v1`,
    );
    expect(inspect.status, inspect.stderr).toBe(0);
    expect(JSON.parse(inspect.stdout).Digest).toBe(image.manifest.desc.digest);
    // skopeo speaks TLS here (a plain-HTTP fallback would show as a TLS error in the log).
    expect(basic.stderr()).not.toMatch(/client error/);

    const token = await serve([
      "--addr",
      "127.0.0.1:0",
      "--root",
      join(dir, "tls-token"),
      ...tls,
      "--token",
      "--htpasswd",
      join(dir, "htpasswd"),
    ]);
    const res = await fetch(`${token.url}/v2/`).catch((e: unknown) => e);
    expect(res).toBeInstanceOf(Error); // self-signed: a verifying client refuses it
    const login = run(
      "skopeo",
      "login",
      "--authfile",
      join(dir, "a.json"),
      "--tls-verify=false",
      "-u",
      "alice",
      "-p",
      "wonderland",
      token.host,
    );
    expect(login.status, login.stderr).toBe(0);
    const copied = run(
      "skopeo",
      ...["copy", "--dest-tls-verify=false", "--dest-creds", "alice:wonderland"],
      ...[`oci:${layout}:v1`, `docker://${token.host}/secure/app:v1`],
    );
    expect(copied.status, copied.stderr).toBe(0);
    await validateOnRegistry(token.host, "secure/app", "v1", {
      credentials: async () => ({ username: "alice", password: "wonderland" }),
    });
    const out = join(dir, "out");
    const back = run(
      "skopeo",
      "copy",
      "--src-tls-verify=false",
      "--src-creds",
      "alice:wonderland",
      `docker://${token.host}/secure/app:v1`,
      `oci:${out}:v1`,
    );
    expect(back.status, back.stderr).toBe(0);
    const index = JSON.parse(await readFile(join(out, "index.json"), "utf8"));
    expect(index.manifests[0].digest).toBe(image.manifest.desc.digest);
  });

  it("takes Distribution's REGISTRY_* variables and names unsupported settings", async () => {
    const data = join(dir, "env-data");
    const reg = await serve([], {
      REGISTRY_HTTP_ADDR: "127.0.0.1:0",
      REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: data,
      REGISTRY_LOG_FORMATTER: "json",
      REGISTRY_LOG_FIELDS_SERVICE: "e2e-registry",
    });
    const copy = run(
      "skopeo",
      "copy",
      "--dest-tls-verify=false",
      `oci:${layout}:v1`,
      `docker://${reg.host}/env/app:v1`,
    );
    expect(copy.status, copy.stderr).toBe(0);
    expect(await readdir(join(data, "docker", "registry", "v2", "repositories", "env"))).toEqual(["app"]);
    // Deletes stay off unless storage.delete.enabled (or --delete) says otherwise.
    const del = run("skopeo", "delete", "--tls-verify=false", `docker://${reg.host}/env/app:v1`);
    expect(del.status).not.toBe(0);
    expect(del.stderr).toMatch(/UNSUPPORTED|not supported|405|disabled/i);
    const first = JSON.parse(reg.stderr().split("\n")[0] as string);
    expect(first).toMatchObject({ level: "info", service: "e2e-registry" });
    expect(first.msg).toMatch(/^listening on http/);

    const failed = await spawnServe(["--root", join(dir, "state"), "registry", "serve"], {
      REGISTRY_HTTP_ADDR: "127.0.0.1:0",
      REGISTRY_STORAGE_GCS_BUCKET: "b",
    }).catch((e: unknown) => e as Error);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toMatch(/exited \(1\)[\s\S]*storage\.gcs: unsupported/);

    await writeFile(
      join(dir, "bad.yml"),
      // (notifications are supported now: a path prefix is still not.)
      "version: 0.1\nhttp:\n  prefix: /mirror/\n",
    );
    const bad = await spawnServe(["registry", "serve", "--config", join(dir, "bad.yml")]).catch(
      (e: unknown) => e as Error,
    );
    expect((bad as Error).message).toMatch(/http\.prefix: unsupported/);
  });

  it("finishes an upload in flight on SIGTERM, exits 0, and serves the blob after a restart", async () => {
    const root = join(dir, "drain");
    const reg = await serve(["--addr", "127.0.0.1:0", "--root", root]);
    const start = await fetch(`${reg.url}/v2/drain/app/blobs/uploads/`, { method: "POST" });
    expect(start.status).toBe(202);
    const location = new URL(start.headers.get("location") as string, reg.url);
    const body = Buffer.alloc(3 << 20, 7);
    const digest = digestOf(body);
    location.searchParams.set("digest", digest);
    const status = new Promise<number>((resolve, reject) => {
      const req = request(location, { method: "PUT", headers: { "content-length": body.length } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.write(body.subarray(0, 1 << 20));
      // SIGTERM while the body is half sent; the rest follows after the server began shutting down.
      setTimeout(() => {
        reg.child.kill("SIGTERM");
        setTimeout(() => req.end(body.subarray(1 << 20)), 300);
      }, 200);
    });
    expect(await status).toBe(201);
    expect(await reg.exited).toBe(0);
    expect(reg.stderr()).toMatch(/received SIGTERM[\s\S]*stopped/);

    const again = await serve(["--addr", "127.0.0.1:0", "--root", root]);
    const head = await fetch(`${again.url}/v2/drain/app/blobs/${digest}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(body.length));
  });

  it("issues tokens that Distribution 2.8 accepts (kid is the libtrust key ID)", async () => {
    const config = join(dir, "issuer.yml");
    const key = join(dir, "issuer-key.pem");
    await writeFile(
      config,
      [
        "version: 0.1",
        "auth:",
        "  token:",
        "    service: dist-e2e",
        "    issuer: wharf-issuer",
        "wharf:",
        "  tokenserver:",
        `    htpasswd: ${join(dir, "htpasswd")}`,
        `    key: ${key}`,
        "",
      ].join("\n"),
    );
    const issuer = await serve(["--config", config, "--addr", "127.0.0.1:0", "--root", join(dir, "issuer")]);
    const cert = run(
      "openssl",
      "req",
      "-x509",
      "-key",
      key,
      "-days",
      "1",
      "-subj",
      "/CN=wharf-issuer",
      "-out",
      join(dir, "issuer.crt"),
    );
    expect(cert.status, cert.stderr).toBe(0);
    const dist = await startDistribution({
      extraYaml: [
        "auth:",
        "  token:",
        `    realm: ${issuer.url}/auth/token`,
        "    service: dist-e2e",
        "    issuer: wharf-issuer",
        `    rootcertbundle: ${join(dir, "issuer.crt")}`,
      ].join("\n"),
    });
    try {
      const copy = run(
        "skopeo",
        "copy",
        "--dest-tls-verify=false",
        "--dest-creds",
        "alice:wonderland",
        `oci:${layout}:v1`,
        `docker://${dist.host}/via/wharf:v1`,
      );
      expect(copy.status, copy.stderr).toBe(0);
      const anon = run(
        "skopeo",
        "inspect",
        "--tls-verify=false",
        "--no-creds",
        `docker://${dist.host}/via/wharf:v1`,
      );
      expect(anon.status).not.toBe(0);
    } finally {
      await dist.close();
    }
  });
});

import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, type ServeProcess, spawnServe } from "../../src/registry/serve/testing/cli.js";
import { makeImage, type TestImage, writeOciLayout } from "../../src/remote/testing/images.js";
import { validateOnRegistry } from "./helpers/validate.js";

/** One account's credentials, for wharf's client. */
const creds = (username: string, password: string) => async () => ({ username, password });

function skopeo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("skopeo", ["--insecure-policy", ...args], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function htpasswdLine(user: string, password: string): string {
  const r = spawnSync("htpasswd", ["-Bbn", "-C", "5", user, password], { encoding: "utf8" });
  expect(r.status).toBe(0);
  return r.stdout.trim();
}

/**
 * `wharf registry serve` as a process, with skopeo as the client: HTTP basic auth against an
 * htpasswd file, access rules, and Docker's token flow through the built-in token endpoint.
 */
describe("wharf registry serve with auth, driven by skopeo", () => {
  let dir: string;
  let image: TestImage;
  let layout: string;
  const servers: ServeProcess[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), "wharf-reg-auth-"));
    await writeFile(
      join(dir, "htpasswd"),
      `${htpasswdLine("alice", "wonderland")}\n${htpasswdLine("bob", "builder")}\n`,
    );
    image = await makeImage({ layers: [20_000, 3_000] });
    layout = join(dir, "layout");
    await writeOciLayout(layout, image, "v1");
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const serve = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const s = await spawnServe(
      ["--root", join(dir, "state"), "registry", "serve", "--addr", "127.0.0.1:0", ...args],
      env,
    );
    servers.push(s);
    return s;
  };

  it("requires basic credentials from the htpasswd file", async () => {
    const reg = await serve(["--root", join(dir, "basic"), "--htpasswd", join(dir, "htpasswd"), "--delete"]);
    const res = await fetch(`${reg.url}/v2/`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Basic realm="basic-realm"');
    expect(((await res.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe("UNAUTHORIZED");

    const authfile = join(dir, "auth-basic.json");
    const bad = skopeo(
      "login",
      "--authfile",
      authfile,
      "--tls-verify=false",
      "-u",
      "alice",
      "-p",
      "nope",
      reg.host,
    );
    expect(bad.status, bad.stderr).not.toBe(0);
    const ok = skopeo(
      "login",
      "--authfile",
      authfile,
      "--tls-verify=false",
      "-u",
      "alice",
      "-p",
      "wonderland",
      reg.host,
    );
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(await readFile(authfile, "utf8")).auths[reg.host]).toBeDefined();

    const copy = skopeo(
      "copy",
      "--dest-tls-verify=false",
      "--dest-creds",
      "alice:wonderland",
      `oci:${layout}:v1`,
      `docker://${reg.host}/team/app:v1`,
    );
    expect(copy.status, copy.stderr).toBe(0);
    await validateOnRegistry(reg.host, "team/app", "v1", { credentials: creds("alice", "wonderland") });
    const inspect = skopeo(
      "inspect",
      "--tls-verify=false",
      "--creds",
      "bob:builder",
      `docker://${reg.host}/team/app:v1`,
    );
    expect(inspect.status, inspect.stderr).toBe(0);
    expect(JSON.parse(inspect.stdout).Digest).toBe(image.manifest.desc.digest);
    // The login above stored credentials in the auth file; skopeo uses them.
    const viaLogin = skopeo(
      "inspect",
      "--tls-verify=false",
      "--authfile",
      authfile,
      `docker://${reg.host}/team/app:v1`,
    );
    expect(viaLogin.status, viaLogin.stderr).toBe(0);
    const anon = skopeo("inspect", "--tls-verify=false", "--no-creds", `docker://${reg.host}/team/app:v1`);
    expect(anon.status).not.toBe(0);

    // --delete allows deletes, for signed-in accounts only.
    expect(
      skopeo("delete", "--tls-verify=false", "--no-creds", `docker://${reg.host}/team/app:v1`).status,
    ).not.toBe(0);
    const del = skopeo(
      "delete",
      "--tls-verify=false",
      "--creds",
      "alice:wonderland",
      `docker://${reg.host}/team/app:v1`,
    );
    expect(del.status, del.stderr).toBe(0);
    expect(
      skopeo(
        "inspect",
        "--tls-verify=false",
        "--creds",
        "alice:wonderland",
        `docker://${reg.host}/team/app:v1`,
      ).status,
    ).not.toBe(0);

    // Request logs are structured lines on stderr, with the account.
    const logRe =
      /msg="response completed" http\.request\.method=PUT http\.request\.uri=\/v2\/team\/app\/manifests\/v1 .*http\.response\.status=201 .*auth\.user\.name=alice/;
    expect(await reg.waitForLog(logRe)).toMatch(logRe);
  });

  it("applies per-repository access rules to basic auth (403 beyond them)", async () => {
    const config = join(dir, "rules.yml");
    await writeFile(
      config,
      [
        "version: 0.1",
        "log:",
        "  formatter: json",
        "auth:",
        "  htpasswd:",
        "    realm: wharf-test",
        `    path: ${join(dir, "htpasswd")}`,
        "wharf:",
        "  access:",
        "    - account: alice",
        '      repository: "**"',
        "      actions: [pull, push]",
        "    - account: bob",
        '      repository: "team/*"',
        "      actions: [pull]",
        "",
      ].join("\n"),
    );
    const reg = await serve(["--config", config, "--root", join(dir, "rules")]);
    const push = (creds: string, repo: string) =>
      skopeo(
        "copy",
        "--dest-tls-verify=false",
        "--dest-creds",
        creds,
        `oci:${layout}:v1`,
        `docker://${reg.host}/${repo}:v1`,
      );
    expect(push("alice:wonderland", "team/app").status).toBe(0);
    const denied = push("bob:builder", "team/bobs");
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toMatch(/denied|403/i);
    expect(
      skopeo("inspect", "--tls-verify=false", "--creds", "bob:builder", `docker://${reg.host}/team/app:v1`)
        .status,
    ).toBe(0);
    expect(
      skopeo("inspect", "--tls-verify=false", "--creds", "bob:builder", `docker://${reg.host}/other/app:v1`)
        .status,
    ).not.toBe(0);
    const lines = (await reg.waitForLog(/"http.response.status":403/))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l.msg === "response completed" && l["http.response.status"] === 403)).toBe(true);
  });

  it("runs Docker's token flow through the built-in token endpoint", async () => {
    const config = join(dir, "token.yml");
    await writeFile(
      config,
      [
        "version: 0.1",
        "auth:",
        "  token:",
        "    service: wharf-e2e",
        "    issuer: wharf-e2e-issuer",
        "wharf:",
        "  tokenserver:",
        `    htpasswd: ${join(dir, "htpasswd")}`,
        `    key: ${join(dir, "token-key.pem")}`,
        "    anonymous: true",
        "  access:",
        "    - account: alice",
        '      repository: "**"',
        "      actions: [pull, push, delete]",
        "    - account: bob",
        '      repository: "bob/*"',
        "      actions: [pull, push]",
        "    - anonymous: true",
        '      repository: "public/*"',
        "      actions: [pull]",
        "",
      ].join("\n"),
    );
    const reg = await serve(["--config", config, "--root", join(dir, "token")]);
    const res = await fetch(`${reg.url}/v2/public/app/manifests/v1`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      `Bearer realm="${reg.url}/auth/token",service="wharf-e2e",scope="repository:public/app:pull"`,
    );
    const authfile = join(dir, "auth-token.json");
    const badLogin = skopeo(
      "login",
      "--authfile",
      authfile,
      "--tls-verify=false",
      "-u",
      "bob",
      "-p",
      "x",
      reg.host,
    );
    expect(badLogin.status).not.toBe(0);
    const login = skopeo(
      "login",
      "--authfile",
      authfile,
      "--tls-verify=false",
      "-u",
      "bob",
      "-p",
      "builder",
      reg.host,
    );
    expect(login.status, login.stderr).toBe(0);

    const push = (creds: string, repo: string) =>
      skopeo(
        "copy",
        "--dest-tls-verify=false",
        "--dest-creds",
        creds,
        `oci:${layout}:v1`,
        `docker://${reg.host}/${repo}:v1`,
      );
    const alice = push("alice:wonderland", "public/app");
    expect(alice.status, alice.stderr).toBe(0);
    expect(push("bob:builder", "bob/own").status).toBe(0);
    const bobElsewhere = push("bob:builder", "public/bobs");
    expect(bobElsewhere.status).not.toBe(0);

    const anon = skopeo("inspect", "--tls-verify=false", "--no-creds", `docker://${reg.host}/public/app:v1`);
    expect(anon.status, anon.stderr).toBe(0);
    expect(JSON.parse(anon.stdout).Digest).toBe(image.manifest.desc.digest);
    expect(
      skopeo("inspect", "--tls-verify=false", "--no-creds", `docker://${reg.host}/bob/own:v1`).status,
    ).not.toBe(0);
    const bob = skopeo(
      "inspect",
      "--tls-verify=false",
      "--creds",
      "bob:builder",
      `docker://${reg.host}/bob/own:v1`,
    );
    expect(bob.status, bob.stderr).toBe(0);
    await validateOnRegistry(reg.host, "public/app", "v1");
    await validateOnRegistry(reg.host, "bob/own", "v1", { credentials: creds("bob", "builder") });

    // The key was written where the config said, so tokens outlive a restart.
    expect(
      (await readFile(join(dir, "token-key.pem"), "utf8")).startsWith("-----BEGIN PRIVATE KEY-----"),
    ).toBe(true);
    const tokenRes = await fetch(`${reg.url}/auth/token?service=wharf-e2e&scope=repository:bob/own:pull`, {
      headers: { authorization: `Basic ${Buffer.from("bob:builder").toString("base64")}` },
    });
    const { token } = (await tokenRes.json()) as { token: string };
    expect(await reg.stop()).toBe(0);
    const again = await serve(["--config", config, "--root", join(dir, "token")]);
    const viaOld = await fetch(`${again.url}/v2/bob/own/manifests/v1`, {
      method: "HEAD",
      headers: { authorization: `Bearer ${token}`, accept: image.manifest.desc.mediaType },
    });
    expect(viaOld.status).toBe(200);
  });
});

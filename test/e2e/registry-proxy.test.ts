import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addImage, busyboxSpec } from "./helpers/layout.js";
import { type RunningRegistry, startDistribution, startWharfRegistry } from "./helpers/registries.js";
import { skopeo } from "./helpers/tools.js";
import { validateOnRegistry, validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/**
 * The registry as a pull-through cache (`proxy:`), against the reference: an upstream Distribution
 * 2.8.2, and in front of it both a Distribution proxy and `wharf registry serve` with the same
 * `proxy:` section. Pulls through each give the same digests, a tag moved upstream shows through
 * both, writes are refused alike, catalog and tags agree, and with the upstream stopped what was
 * cached is still served by both.
 */
const OCI = "application/vnd.oci.image.manifest.v1+json";
let dir: string;
let layout: string;
let upstream: RunningRegistry;
let dist: RunningRegistry;
let wharf: RunningRegistry;
let cli: WharfCli;
const started: RunningRegistry[] = [];

const proxyYaml = (url: string) => ["proxy:", `  remoteurl: ${url}`].join("\n");

async function digestOf(
  host: string,
  repo: string,
  ref: string,
): Promise<{ status: number; digest: string | null }> {
  const r = await fetch(`http://${host}/v2/${repo}/manifests/${ref}`, {
    method: "HEAD",
    headers: { accept: OCI },
  });
  return { status: r.status, digest: r.headers.get("docker-content-digest") };
}

async function answer(url: string, init: RequestInit): Promise<{ status: number; code: string | undefined }> {
  const r = await fetch(url, init);
  const text = await r.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { errors?: { code: string }[] }).errors?.[0]?.code;
  } catch {
    code = undefined;
  }
  return { status: r.status, code };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "wharf-e2e-proxy-"));
  layout = join(dir, "layout");
  await addImage(layout, busyboxSpec("v1"));
  await addImage(layout, { tag: "v2", gzip: 1, layers: [[{ name: "data", random: 200_000 }]] });
  upstream = await startDistribution();
  started.push(upstream);
  for (const tag of ["latest", "v1"]) {
    await skopeo(
      "copy",
      "-q",
      "--dest-tls-verify=false",
      `oci:${layout}:v1`,
      `docker://${upstream.host}/library/bb:${tag}`,
    );
  }
  dist = await startDistribution({ extraYaml: proxyYaml(upstream.url) });
  started.push(dist);
  wharf = await startWharfRegistry({ extraYaml: proxyYaml(upstream.url) });
  started.push(wharf);
  cli = await wharfCli();
}, 120_000);

afterAll(async () => {
  for (const s of started.reverse()) await s.close().catch(() => undefined);
  await cli?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("registry pull-through cache against Distribution 2.8.2", () => {
  it("pulls the same image through both (skopeo, wharf pull)", async () => {
    const want = await digestOf(upstream.host, "library/bb", "latest");
    for (const p of [dist, wharf]) {
      const out = join(dir, `out-${p.host.replace(":", "-")}`);
      await skopeo(
        "copy",
        "-q",
        "--src-tls-verify=false",
        `docker://${p.host}/library/bb:latest`,
        `oci:${out}:x`,
      );
      const raw = await skopeo("inspect", "--raw", `oci:${out}:x`);
      expect((await digestOf(p.host, "library/bb", "latest")).digest).toBe(want.digest);
      expect(raw.length).toBeGreaterThan(0);
    }
    await cli.ok("pull", `${wharf.host}/library/bb:latest`);
    const inspected = await cli.ok(
      "image",
      "inspect",
      "--format",
      "{{json .RepoDigests}}",
      `${wharf.host}/library/bb:latest`,
    );
    expect(inspected).toContain(want.digest);
    await validateRoot(cli.root);
    expect((await validateOnRegistry(wharf.host, "library/bb", "latest")).images).toBe(1);
  }, 120_000);

  it("sees a tag moved upstream through both", async () => {
    await skopeo(
      "copy",
      "-q",
      "--dest-tls-verify=false",
      `oci:${layout}:v2`,
      `docker://${upstream.host}/library/bb:latest`,
    );
    const want = await digestOf(upstream.host, "library/bb", "latest");
    expect((await digestOf(dist.host, "library/bb", "latest")).digest).toBe(want.digest);
    expect((await digestOf(wharf.host, "library/bb", "latest")).digest).toBe(want.digest);
    for (const p of [dist, wharf]) {
      await skopeo(
        "copy",
        "-q",
        "--src-tls-verify=false",
        `docker://${p.host}/library/bb:latest`,
        `oci:${join(dir, "moved")}:${p.pid}`,
      );
    }
  }, 120_000);

  it("refuses pushes and deletes alike, and lists the same catalog and tags", async () => {
    const { digest } = await digestOf(upstream.host, "library/bb", "v1");
    const manifest = await (
      await fetch(`${upstream.url}/v2/library/bb/manifests/v1`, { headers: { accept: OCI } })
    ).text();
    const requests: [string, RequestInit][] = [
      ["/v2/library/bb/blobs/uploads/", { method: "POST" }],
      [`/v2/library/bb/blobs/uploads/?mount=${digest}&from=library/other`, { method: "POST" }],
      [
        "/v2/library/bb/manifests/pushed",
        { method: "PUT", body: manifest, headers: { "content-type": OCI } },
      ],
      [`/v2/library/bb/manifests/${digest}`, { method: "DELETE" }],
      [`/v2/library/bb/blobs/${digest}`, { method: "DELETE" }],
    ];
    for (const [path, init] of requests) {
      const d = await answer(`${dist.url}${path}`, init);
      const w = await answer(`${wharf.url}${path}`, init);
      expect(w, `${init.method} ${path}`).toEqual(d);
    }
    for (const path of ["/v2/_catalog", "/v2/library/bb/tags/list"]) {
      const d = await (await fetch(`${dist.url}${path}`)).json();
      const w = await (await fetch(`${wharf.url}${path}`)).json();
      expect(w, path).toEqual(d);
    }
  }, 60_000);

  it("serves what it cached with the upstream stopped, as Distribution does", async () => {
    await upstream.close();
    for (const ref of ["latest", "v1", "never-pulled"]) {
      const d = await digestOf(dist.host, "library/bb", ref);
      const w = await digestOf(wharf.host, "library/bb", ref);
      expect(w, ref).toEqual(d);
    }
    for (const p of [dist, wharf]) {
      await skopeo(
        "copy",
        "-q",
        "--src-tls-verify=false",
        `docker://${p.host}/library/bb:latest`,
        `oci:${join(dir, "offline")}:${p.pid}`,
      );
    }
  }, 60_000);
});

describe("registry pull-through cache of an upstream with token auth", () => {
  it("pulls through the bearer challenge (wharf's token server as the upstream), as Distribution's proxy", async () => {
    const htpasswd = join(dir, "htpasswd-token");
    await writeFile(htpasswd, execFileSync("htpasswd", ["-Bbn", "alice", "secret"]));
    const locked = await startWharfRegistry({
      extraYaml: ["wharf:", "  tokenserver:", `    htpasswd: ${htpasswd}`].join("\n"),
    });
    started.push(locked);
    const challenge = await fetch(`${locked.url}/v2/`);
    expect(challenge.headers.get("www-authenticate")).toMatch(/^Bearer /);
    await skopeo(
      "copy",
      "-q",
      "--dest-tls-verify=false",
      "--dest-creds",
      "alice:secret",
      `oci:${layout}:v1`,
      `docker://${locked.host}/library/bb:latest`,
    );
    const creds = `${proxyYaml(locked.url)}\n  username: alice\n  password: secret`;
    const d = await startDistribution({ extraYaml: creds });
    started.push(d);
    const w = await startWharfRegistry({ extraYaml: creds });
    started.push(w);
    for (const p of [d, w]) {
      await skopeo(
        "copy",
        "-q",
        "--src-tls-verify=false",
        `docker://${p.host}/library/bb:latest`,
        `oci:${join(dir, "token")}:${p.pid}`,
      );
    }
    expect((await digestOf(w.host, "library/bb", "latest")).digest).toBe(
      (await digestOf(d.host, "library/bb", "latest")).digest,
    );
    expect((await validateOnRegistry(w.host, "library/bb", "latest")).images).toBe(1);
  }, 120_000);
});

describe("registry pull-through cache of an upstream with basic auth", () => {
  it("pulls with proxy.username/password, and serves nothing with a wrong password", async () => {
    const htpasswd = join(dir, "htpasswd");
    await writeFile(htpasswd, execFileSync("htpasswd", ["-Bbn", "alice", "secret"]));
    const locked = await startDistribution({
      extraYaml: `auth:\n  htpasswd:\n    realm: r\n    path: ${htpasswd}`,
    });
    started.push(locked);
    await skopeo(
      "copy",
      "-q",
      "--dest-tls-verify=false",
      "--dest-creds",
      "alice:secret",
      `oci:${layout}:v1`,
      `docker://${locked.host}/library/bb:latest`,
    );
    const good = await startWharfRegistry({
      extraYaml: `${proxyYaml(locked.url)}\n  username: alice\n  password: secret`,
    });
    started.push(good);
    const bad = await startWharfRegistry({
      extraYaml: `${proxyYaml(locked.url)}\n  username: alice\n  password: wrong`,
    });
    started.push(bad);
    const out = join(dir, "basic");
    await skopeo(
      "copy",
      "-q",
      "--src-tls-verify=false",
      `docker://${good.host}/library/bb:latest`,
      `oci:${out}:x`,
    );
    expect(await skopeo("inspect", "--raw", `oci:${out}:x`)).toContain("schemaVersion");
    expect((await validateOnRegistry(good.host, "library/bb", "latest")).images).toBe(1);
    expect((await digestOf(bad.host, "library/bb", "latest")).status).toBe(404);
  }, 120_000);
});

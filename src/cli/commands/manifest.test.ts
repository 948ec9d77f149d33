import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf } from "../../digest/index.js";
import { MediaType } from "../../oci/index.js";
import { startTestRegistry, type TestRegistry } from "../../registry/testing/server.js";
import { createTransport, putManifest } from "../../remote/index.js";
import { makeImage, makeIndex, pushImage, type TestImage } from "../../remote/testing/images.js";
import { runCli } from "../testing/capture.js";
import { type ImageManifestEntry, writeEntry } from "./manifest-lists.js";

/**
 * The `manifest` verbs in-process against wharf's registry: lists kept in the Docker config dir
 * as the docker CLI keeps them, pushed with another repository's images mounted, and the docker
 * CLI's messages (test/e2e/manifest.test.ts compares them with the docker CLI itself).
 */
let dir: string;
let registry: TestRegistry;
let host: string;
let amd64: TestImage;
let arm64: TestImage;
let v2: TestImage;
const dockerConfig = () => join(dir, "docker");
const store = () => join(dockerConfig(), "manifests");
const cli = (...argv: string[]) =>
  runCli(argv, { root: join(dir, "root"), env: { ...process.env, DOCKER_CONFIG: dockerConfig() } });

async function registryManifest(
  path: string,
  ref: string,
): Promise<{ status: number; type: string; body: Buffer }> {
  const accept = [
    MediaType.ociIndex,
    MediaType.dockerManifestList,
    MediaType.ociManifest,
    MediaType.dockerManifest,
  ];
  const r = await fetch(`http://${host}/v2/${path}/manifests/${ref}`, {
    headers: { accept: accept.join(",") },
  });
  return {
    status: r.status,
    type: r.headers.get("content-type") ?? "",
    body: Buffer.from(await r.arrayBuffer()),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "wharf-cli-manifest-"));
  registry = await startTestRegistry();
  host = registry.host;
  const t = createTransport(host);
  try {
    amd64 = await makeImage({ layers: [1000], platform: { os: "linux", architecture: "amd64" } });
    arm64 = await makeImage({
      layers: [1200],
      platform: { os: "linux", architecture: "arm64", variant: "v8" },
    });
    v2 = await makeImage({ layers: [900], platform: { os: "linux", architecture: "arm" }, docker: true });
    const a = { transport: t, path: "a/app" };
    await pushImage(a, amd64, "amd64");
    await pushImage(a, arm64, "arm64");
    await pushImage(a, v2, "v2");
    const index = makeIndex([amd64, arm64]);
    await pushImage(a, amd64);
    await pushImage(a, arm64);
    await putManifest(a, "multi", { bytes: index.bytes, mediaType: MediaType.ociIndex });
  } finally {
    t.close();
  }
});

afterAll(async () => {
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

describe("manifest create", () => {
  it("keeps each image's manifest and its config's platform under $DOCKER_CONFIG/manifests", async () => {
    const r = await cli(
      "manifest",
      "create",
      `${host}/b/list:1`,
      `${host}/a/app:amd64`,
      `${host}/a/app:arm64`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`Created manifest list ${host}/b/list:1\n`);
    const safe = (s: string) => s.replaceAll(":", "-").replaceAll("/", "_");
    const listDir = join(store(), safe(`${host}/b/list:1`));
    expect(readdirSync(listDir).sort()).toEqual([safe(`${host}/a/app:amd64`), safe(`${host}/a/app:arm64`)]);
    // Nothing under wharf's root: the lists are the Docker config's.
    expect(existsSync(join(dir, "root", "manifests"))).toBe(false);
    const v = await cli("manifest", "inspect", "-v", `${host}/b/list:1`);
    const entries = JSON.parse(v.stdout) as ImageManifestEntry[];
    expect(entries.map((e) => [e.Ref, e.Descriptor.digest, e.Descriptor.platform])).toEqual([
      [`${host}/a/app:amd64`, amd64.manifest.desc.digest, { architecture: "amd64", os: "linux" }],
      [
        `${host}/a/app:arm64`,
        arm64.manifest.desc.digest,
        { architecture: "arm64", os: "linux", variant: "v8" },
      ],
    ]);
    expect(Buffer.from(entries[0]?.Raw ?? "", "base64")).toEqual(amd64.manifest.bytes);
    expect(entries[0]?.OCIManifest).toEqual(JSON.parse(amd64.manifest.bytes.toString()));
  });

  it("refuses an existing list without --amend, and adds to it with it", async () => {
    const again = await cli("manifest", "create", `${host}/b/list:1`, `${host}/a/app:v2`);
    expect(again.status).toBe(1);
    expect(again.stderr.split("\n")[0]).toBe(
      "Error: refusing to amend an existing manifest list with no --amend flag",
    );
    const amended = await cli("manifest", "create", "--amend", `${host}/b/list:1`, `${host}/a/app:v2`);
    expect(amended.status).toBe(0);
    const v = JSON.parse(
      (await cli("manifest", "inspect", "-v", `${host}/b/list:1`)).stdout,
    ) as ImageManifestEntry[];
    expect(v.map((e) => e.Ref)).toEqual([`${host}/a/app:amd64`, `${host}/a/app:arm64`, `${host}/a/app:v2`]);
    expect(v[2]?.SchemaV2Manifest).toBeDefined();
    expect(v[2]?.Descriptor.mediaType).toBe(MediaType.dockerManifest);
  });

  it("refuses a manifest list and a missing image, leaving nothing", async () => {
    const list = await cli("manifest", "create", `${host}/b/bad:1`, `${host}/a/app:multi`);
    expect(list.stderr.split("\n")[0]).toBe(`Error: ${host}/a/app:multi is a manifest list`);
    const missing = await cli(
      "manifest",
      "create",
      `${host}/b/bad:1`,
      `${host}/a/app:amd64`,
      `${host}/a/app:nosuch`,
    );
    expect(missing.stderr.split("\n")[0]).toBe(`Error: no such manifest: ${host}/a/app:nosuch`);
    expect(readdirSync(store()).some((n) => n.includes("bad"))).toBe(false);
  });
});

describe("manifest annotate", () => {
  it("sets the platform of one image of the list", async () => {
    const r = await cli(
      "manifest",
      "annotate",
      "--arch",
      "arm",
      "--variant",
      "v7",
      "--os-features",
      "a,b",
      "--os-version",
      "1.0",
      `${host}/b/list:1`,
      `${host}/a/app:v2`,
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const v = JSON.parse(
      (await cli("manifest", "inspect", "-v", `${host}/b/list:1`)).stdout,
    ) as ImageManifestEntry[];
    expect(v[2]?.Descriptor.platform).toEqual({
      architecture: "arm",
      os: "linux",
      "os.version": "1.0",
      "os.features": ["a", "b"],
      variant: "v7",
    });
  });

  it("adds --os-features once each, and checks the os/arch the entry ends with against the docker CLI's pairs", async () => {
    const list = `${host}/b/list:1`;
    const image = `${host}/a/app:v2`;
    expect(
      (await cli("manifest", "annotate", "--os-features", "b,c", "--os-features", "c", list, image)).status,
    ).toBe(0);
    const platform = async () =>
      (JSON.parse((await cli("manifest", "inspect", "-v", list)).stdout) as ImageManifestEntry[])[2]
        ?.Descriptor.platform;
    expect((await platform())?.["os.features"]).toEqual(["a", "b", "c"]);
    // windows/arm is a Go pair, not one the docker CLI accepts; the words name the flags given.
    const win = await cli("manifest", "annotate", "--os", "windows", list, image);
    expect(win.stderr.split("\n")[0]).toBe(
      "Error: manifest entry for image has unsupported os/arch combination: windows/",
    );
    expect(
      (await cli("manifest", "annotate", "--os", "windows", "--arch", "amd64", list, image)).status,
    ).toBe(0);
    expect((await cli("manifest", "annotate", "--os", "solaris", list, image)).status).toBe(0);
    expect((await platform())?.os).toBe("solaris");
    expect((await cli("manifest", "annotate", "--os", "linux", "--arch", "arm", list, image)).status).toBe(0);
    expect((await platform())?.architecture).toBe("arm");
  });

  it("refuses an os/arch Go does not know, and an image not in the list, in the docker CLI's words", async () => {
    const bogus = await cli(
      "manifest",
      "annotate",
      "--arch",
      "bogus",
      `${host}/b/list:1`,
      `${host}/a/app:v2`,
    );
    expect(bogus.stderr.split("\n")[0]).toBe(
      "Error: manifest entry for image has unsupported os/arch combination: /bogus",
    );
    const absent = await cli(
      "manifest",
      "annotate",
      "--arch",
      "arm64",
      `${host}/b/list:1`,
      `${host}/a/app:nosuch`,
    );
    expect(absent.stderr.split("\n")[0]).toBe(
      `Error: manifest for image ${host}/a/app:nosuch does not exist in ${host}/b/list:1`,
    );
  });
});

describe("manifest inspect", () => {
  it("prints a local list as the docker CLI rebuilds it, and one image of it (LIST IMAGE)", async () => {
    const r = await cli("manifest", "inspect", `${host}/b/list:1`);
    const doc = JSON.parse(r.stdout);
    expect(doc.mediaType).toBe(MediaType.ociIndex);
    expect(r.stdout).toContain('\n   "manifests": [');
    expect(doc.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture)).toEqual(
      ["amd64", "arm64", "arm"],
    );
    const one = await cli("manifest", "inspect", `${host}/b/list:1`, `${host}/a/app:amd64`);
    expect(one.stdout).toBe(`${JSON.stringify(JSON.parse(amd64.manifest.bytes.toString()), null, "\t")}\n`);
  });

  it("prints a registry's manifest with tabs, a registry's list with three spaces", async () => {
    const m = await cli("manifest", "inspect", "--insecure-registry", host, `${host}/a/app:amd64`);
    expect(m.stdout).toBe(`${JSON.stringify(JSON.parse(amd64.manifest.bytes.toString()), null, "\t")}\n`);
    const l = await cli("manifest", "inspect", `${host}/a/app:multi`);
    expect(l.stdout.startsWith('{\n   "schemaVersion": 2,')).toBe(true);
    expect(JSON.parse(l.stdout).manifests.map((d: { digest: string }) => d.digest)).toEqual([
      amd64.manifest.desc.digest,
      arm64.manifest.desc.digest,
    ]);
    const v = JSON.parse(
      (await cli("manifest", "inspect", "-v", `${host}/a/app:multi`)).stdout,
    ) as ImageManifestEntry[];
    expect(v.map((e) => e.Ref)).toEqual([
      `${host}/a/app:multi@${amd64.manifest.desc.digest}`,
      `${host}/a/app:multi@${arm64.manifest.desc.digest}`,
    ]);
  });

  it("says no such manifest for a missing tag", async () => {
    const r = await cli("manifest", "inspect", `${host}/a/app:nosuch`);
    expect(r.status).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe(`Error: no such manifest: ${host}/a/app:nosuch`);
  });
});

describe("manifest push", () => {
  it("refuses before sending anything: an image without a platform, an image of another registry", async () => {
    const noArch: ImageManifestEntry = {
      Ref: `${host}/a/app:amd64`,
      Descriptor: { ...amd64.manifest.desc, platform: { architecture: "", os: "linux" } },
      Raw: amd64.manifest.bytes.toString("base64"),
    };
    writeEntry(store(), `${host}/b/noarch:1`, noArch);
    const r = await cli("manifest", "push", `${host}/b/noarch:1`);
    expect(r.stderr.split("\n")[0]).toBe(
      `Error: manifest ${host}/a/app:amd64 must have an OS and Architecture to be pushed to a registry`,
    );
    writeEntry(store(), `${host}/b/far:1`, {
      ...noArch,
      Ref: "registry.example.test/a/app:1",
      Descriptor: { ...amd64.manifest.desc, platform: { architecture: "amd64", os: "linux" } },
    });
    const far = await cli("manifest", "push", `${host}/b/far:1`);
    expect(far.stderr.split("\n")[0]).toBe(
      `Error: cannot use source images from a different registry than the target image: registry.example.test != ${host}`,
    );
    expect((await registryManifest("b/noarch", "1")).status).toBe(404);
    expect((await registryManifest("b/far", "1")).status).toBe(404);
    expect((await cli("manifest", "rm", `${host}/b/noarch:1`, `${host}/b/far:1`)).status).toBe(0);
  });

  it("puts another repository's images by digest (blobs mounted), then the list; --purge forgets it", async () => {
    const local = (await cli("manifest", "inspect", `${host}/b/list:1`)).stdout.trimEnd();
    const r = await cli("manifest", "push", "--purge", `${host}/b/list:1`);
    expect(r.stderr).toBe("");
    const lines = r.stdout.trimEnd().split("\n");
    const pushed = [amd64, arm64, v2].map((i) => i.manifest.desc.digest);
    expect(lines.slice(0, 3)).toEqual(pushed.map((d) => `Pushed ref ${host}/b/list@${d} with digest: ${d}`));
    const digest = lines[3];
    expect(digest).toBe(digestOf(Buffer.from(local)));
    const got = await registryManifest("b/list", "1");
    expect(got.type).toBe(MediaType.ociIndex);
    expect(got.body.toString()).toBe(local);
    for (const img of [amd64, arm64, v2]) {
      expect((await registryManifest("b/list", img.manifest.desc.digest)).body).toEqual(img.manifest.bytes);
      for (const b of [img.config, ...img.layers]) {
        const head = await fetch(`http://${host}/v2/b/list/blobs/${b.desc.digest}`, { method: "HEAD" });
        expect(head.status).toBe(200);
      }
    }
    expect(existsSync(join(store(), `${host}/b/list:1`.replaceAll(":", "-").replaceAll("/", "_")))).toBe(
      false,
    );
    // A registry's list is now what `manifest inspect` finds.
    expect((await cli("manifest", "inspect", `${host}/b/list:1`)).stdout.trimEnd()).toBe(local);
  });

  it("a list of Docker v2 images is a Docker manifest list; an image of its own repository is not put again", async () => {
    expect((await cli("manifest", "create", `${host}/a/app:v2list`, `${host}/a/app:v2`)).status).toBe(0);
    const r = await cli("manifest", "push", `${host}/a/app:v2list`);
    expect(r.stderr).toBe("");
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(1);
    const got = await registryManifest("a/app", "v2list");
    expect(got.type).toBe(MediaType.dockerManifestList);
    expect(`sha256:${r.stdout.trim().slice(7)}`).toBe(digestOf(got.body));
    // Without --purge the local list stays.
    expect((await cli("manifest", "rm", `${host}/a/app:v2list`)).status).toBe(0);
  });

  it("a list named by digest, as the docker CLI takes it, is put under its own digest, untagged", async () => {
    const named = `${host}/b/bydigest@${amd64.manifest.desc.digest}`;
    const created = await cli("manifest", "create", named, `${host}/a/app:arm64`);
    expect(created.stdout).toBe(`Created manifest list ${named}\n`);
    expect(readdirSync(store())).toContain(
      `${host}/b/bydigest@${amd64.manifest.desc.digest}`.replaceAll(":", "-").replaceAll("/", "_"),
    );
    const local = (await cli("manifest", "inspect", named)).stdout.trimEnd();
    const r = await cli("manifest", "push", "--purge", named);
    expect(r.stderr).toBe("");
    const digest = r.stdout.trimEnd().split("\n").at(-1) ?? "";
    expect(digest).toBe(digestOf(Buffer.from(local)));
    expect((await registryManifest("b/bydigest", digest)).body.toString()).toBe(local);
    const tags = await fetch(`http://${host}/v2/b/bydigest/tags/list`);
    expect(((await tags.json()) as { tags: string[] | null }).tags ?? []).toEqual([]);
  });

  it("says No such manifest for a list never made", async () => {
    const r = await cli("manifest", "push", `${host}/b/never:1`);
    expect(r.stderr.split("\n")[0]).toBe(`Error: No such manifest: ${host}/b/never:1`);
  });
});

describe("manifest rm", () => {
  it("removes the lists that are there and names the missing ones, status 1", async () => {
    expect((await cli("manifest", "create", `${host}/b/x:1`, `${host}/a/app:amd64`)).status).toBe(0);
    const r = await cli("manifest", "rm", `${host}/b/x:1`, `${host}/b/y:1`);
    expect(r.status).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe(`Error: No such manifest: ${host}/b/y:1`);
    expect((await cli("manifest", "push", `${host}/b/x:1`)).stderr.split("\n")[0]).toBe(
      `Error: No such manifest: ${host}/b/x:1`,
    );
  });
});

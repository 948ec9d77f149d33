import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Digest, digestOf } from "../../digest/index.js";
import { MediaType } from "../../oci/index.js";
import {
  filesafe,
  type ImageManifestEntry,
  listBytes,
  listDigest,
  manifestsDir,
  platformJson,
  readList,
  refName,
  removeList,
  writeEntry,
} from "./manifest-lists.js";

const dirs: string[] = [];
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), "wharf-manifest-lists-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const D1 = `sha256:${"1".repeat(64)}` as Digest;
const D2 = `sha256:${"2".repeat(64)}` as Digest;

function entry(ref: string, digest: Digest, mediaType: string, arch: string): ImageManifestEntry {
  return {
    Ref: ref,
    Descriptor: { mediaType, digest, size: 400, platform: { architecture: arch, os: "linux" } },
    Raw: Buffer.from("{}").toString("base64"),
  };
}

describe("the docker CLI's manifest store", () => {
  it("is manifests/ in the Docker config dir: $DOCKER_CONFIG, else ~/.docker", () => {
    expect(manifestsDir({ env: { DOCKER_CONFIG: "/cfg", HOME: "/home/u" } })).toBe("/cfg/manifests");
    expect(manifestsDir({ env: { HOME: "/home/u" } })).toBe("/home/u/.docker/manifests");
  });

  it("takes over the lists an earlier wharf kept under <root>/manifests; one of the same name stays put", () => {
    const root = temp();
    const cfg = temp();
    const a = entry("r.test/a:1", D1, MediaType.ociManifest, "amd64");
    writeEntry(join(root, "manifests"), "r.test/l:1", a);
    writeEntry(join(root, "manifests"), "r.test/both:1", a);
    writeEntry(
      join(cfg, "manifests"),
      "r.test/both:1",
      entry("r.test/b:1", D2, MediaType.ociManifest, "arm64"),
    );
    const dir = manifestsDir({ env: { DOCKER_CONFIG: cfg }, root });
    expect(dir).toBe(join(cfg, "manifests"));
    expect(readList(dir, "r.test/l:1")).toEqual([a]);
    expect(readList(dir, "r.test/both:1")?.map((e) => e.Ref)).toEqual(["r.test/b:1"]);
    expect(readdirSync(join(root, "manifests"))).toEqual([filesafe("r.test/both:1")]);
    // the newer one gone, the older moves in and the old directory goes
    removeList(dir, "r.test/both:1");
    manifestsDir({ env: { DOCKER_CONFIG: cfg }, root });
    expect(readList(dir, "r.test/both:1")).toEqual([a]);
    expect(readdirSync(root)).toEqual([]);
  });

  it("names files as makeFilesafeName does (':' to '-', '/' to '_')", () => {
    expect(filesafe("127.0.0.1:5000/b/list:1")).toBe("127.0.0.1-5000_b_list-1");
    expect(filesafe("docker.io/library/busybox:latest")).toBe("docker.io_library_busybox-latest");
  });

  it("normalizes references as the docker CLI does (docker.io, library/, :latest)", () => {
    expect(refName("busybox").name).toBe("docker.io/library/busybox:latest");
    expect(refName("localhost:5000/app").name).toBe("localhost:5000/app:latest");
    expect(refName("localhost:5000/app:1").ref.tag).toBe("1");
  });

  it("writes one file per image under the list's dir and reads them back in file-name order", () => {
    const dir = temp();
    const list = "localhost:5000/b/list:1";
    writeEntry(dir, list, entry("localhost:5000/a/app:z", D2, MediaType.ociManifest, "arm64"));
    writeEntry(dir, list, entry("localhost:5000/a/app:a", D1, MediaType.ociManifest, "amd64"));
    expect(readdirSync(join(dir, "localhost-5000_b_list-1")).sort()).toEqual([
      "localhost-5000_a_app-a",
      "localhost-5000_a_app-z",
    ]);
    const read = readList(dir, list);
    expect(read?.map((e) => e.Ref)).toEqual(["localhost:5000/a/app:a", "localhost:5000/a/app:z"]);
    // The file is Docker's ImageManifest as JSON, the same keys the docker CLI writes.
    const raw = JSON.parse(
      readFileSync(join(dir, "localhost-5000_b_list-1", "localhost-5000_a_app-a"), "utf8"),
    );
    expect(Object.keys(raw)).toEqual(["Ref", "Descriptor", "Raw"]);
    // Rewriting an entry (annotate) replaces its file.
    writeEntry(dir, list, entry("localhost:5000/a/app:a", D1, MediaType.ociManifest, "s390x"));
    expect(readList(dir, list)?.[0]?.Descriptor.platform?.architecture).toBe("s390x");
    expect(readList(dir, "localhost:5000/b/other:1")).toBeUndefined();
  });

  it("reads a list the docker CLI wrote, and skips hidden temp files", () => {
    const dir = temp();
    const at = join(dir, "localhost-5000_b_list-1");
    mkdirSync(at, { recursive: true });
    const docker =
      '{"Ref":"localhost:5000/a/app:amd64","Descriptor":{"mediaType":"application/vnd.oci.image.manifest.v1+json",' +
      `"digest":"${D1}","size":400,"platform":{"architecture":"amd64","os":"linux"}},"Raw":"e30="}`;
    writeFileSync(join(at, "localhost-5000_a_app-amd64"), docker);
    writeFileSync(join(at, ".localhost-5000_a_app-arm64.tmp"), "partial");
    expect(readList(dir, "localhost:5000/b/list:1")).toEqual([JSON.parse(docker)]);
  });

  it("removes a list, saying whether it was there", () => {
    const dir = temp();
    writeEntry(
      dir,
      "localhost:5000/b/list:1",
      entry("localhost:5000/a/app:1", D1, MediaType.ociManifest, "amd64"),
    );
    expect(removeList(dir, "localhost:5000/b/list:1")).toBe(true);
    expect(removeList(dir, "localhost:5000/b/list:1")).toBe(false);
    expect(readList(dir, "localhost:5000/b/list:1")).toBeUndefined();
  });
});

describe("the list's bytes (distribution's FromDescriptors)", () => {
  it("is a Docker manifest list for Docker v2 images, indented with three spaces, fields in Go's order", () => {
    const e = [
      entry("r/a:1", D1, MediaType.dockerManifest, "amd64").Descriptor,
      entry("r/a:2", D2, MediaType.dockerManifest, "arm64").Descriptor,
    ];
    const { bytes, mediaType } = listBytes(e);
    expect(mediaType).toBe(MediaType.dockerManifestList);
    const text = bytes.toString("utf8");
    expect(text.split("\n").slice(0, 6)).toEqual([
      "{",
      '   "schemaVersion": 2,',
      `   "mediaType": "${MediaType.dockerManifestList}",`,
      '   "manifests": [',
      "      {",
      `         "mediaType": "${MediaType.dockerManifest}",`,
    ]);
    expect(Object.keys(JSON.parse(text).manifests[0])).toEqual(["mediaType", "size", "digest", "platform"]);
    expect(listDigest(e)).toBe(digestOf(bytes));
  });

  it("is an OCI index when the first image is an OCI manifest", () => {
    const e = [entry("r/a:1", D1, MediaType.ociManifest, "amd64").Descriptor];
    expect(listBytes(e).mediaType).toBe(MediaType.ociIndex);
    expect(JSON.parse(listBytes(e).bytes.toString()).mediaType).toBe(MediaType.ociIndex);
  });

  it("gives a platform in ocispec.Platform's field order, empty fields left out", () => {
    const p = platformJson({
      variant: "v8",
      "os.features": ["a"],
      "os.version": "10.0",
      os: "linux",
      architecture: "arm64",
    });
    expect(Object.keys(p)).toEqual(["architecture", "os", "os.version", "os.features", "variant"]);
    expect(platformJson({ os: "linux", architecture: "amd64", "os.features": [] })).toEqual({
      architecture: "amd64",
      os: "linux",
    });
  });
});

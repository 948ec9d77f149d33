import { describe, expect, it } from "vitest";
import { digestOf } from "../digest/index.js";
import {
  formatPlatform,
  hostPlatform,
  layerCompression,
  MediaType,
  matchesPlatform,
  parseImageConfig,
  parseManifestDocument,
  parsePlatform,
  selectPlatform,
} from "./index.js";
import type { Descriptor } from "./types.js";

const d = (s: string) => digestOf(s);
const desc = (mediaType: string, s: string, extra: Partial<Descriptor> = {}): Descriptor => ({
  mediaType,
  digest: d(s),
  size: s.length,
  ...extra,
});

const manifest = {
  schemaVersion: 2,
  mediaType: MediaType.ociManifest,
  config: desc(MediaType.ociConfig, "{}"),
  layers: [desc(MediaType.ociLayerGzip, "layer")],
};

describe("parseManifestDocument", () => {
  it("reads an OCI manifest", () => {
    const doc = parseManifestDocument(JSON.stringify(manifest));
    expect(doc.kind).toBe("manifest");
    expect(doc.mediaType).toBe(MediaType.ociManifest);
  });

  it("infers the kind when mediaType is absent", () => {
    const { mediaType: _, ...bare } = manifest;
    expect(parseManifestDocument(JSON.stringify(bare)).mediaType).toBe(MediaType.ociManifest);
    expect(parseManifestDocument(JSON.stringify({ schemaVersion: 2, manifests: [] })).kind).toBe("index");
    expect(parseManifestDocument(JSON.stringify(bare), MediaType.dockerManifest).mediaType).toBe(
      MediaType.dockerManifest,
    );
  });

  it("reads a Docker manifest list with platforms", () => {
    const list = {
      schemaVersion: 2,
      mediaType: MediaType.dockerManifestList,
      manifests: [desc(MediaType.dockerManifest, "a", { platform: { architecture: "amd64", os: "linux" } })],
    };
    const doc = parseManifestDocument(JSON.stringify(list));
    expect(doc.kind).toBe("index");
  });

  it.each([
    ["not json", "{"],
    ["schema 1", JSON.stringify({ schemaVersion: 1, name: "x" })],
    ["bad digest", JSON.stringify({ ...manifest, config: { ...manifest.config, digest: "sha256:xyz" } })],
    ["negative size", JSON.stringify({ ...manifest, layers: [{ ...manifest.layers[0], size: -1 }] })],
    [
      "no layers",
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: manifest.config }),
    ],
    ["bad annotations", JSON.stringify({ ...manifest, annotations: { a: 1 } })],
    ["bad media type", JSON.stringify({ ...manifest, config: { ...manifest.config, mediaType: "nope" } })],
    ["neither", JSON.stringify({ schemaVersion: 2 })],
    ["array", "[]"],
  ])("rejects %s", (_name, body) => {
    expect(() => parseManifestDocument(body)).toThrow(/manifest invalid|schema 1/);
  });

  it("rejects a declared type that contradicts Content-Type", () => {
    expect(() => parseManifestDocument(JSON.stringify(manifest), MediaType.dockerManifest)).toThrow(
      /does not match/,
    );
  });
});

describe("parseImageConfig", () => {
  it("accepts a minimal config and rejects a broken one", () => {
    const ok = { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [d("x")] } };
    expect(parseImageConfig(JSON.stringify(ok)).os).toBe("linux");
    expect(() => parseImageConfig(JSON.stringify({ ...ok, rootfs: { type: "x" } }))).toThrow(/rootfs/);
    expect(() => parseImageConfig("[")).toThrow(/JSON/);
  });
});

describe("platforms", () => {
  it("parses and normalises", () => {
    expect(parsePlatform("linux/x86_64")).toEqual({ os: "linux", architecture: "amd64" });
    expect(parsePlatform("linux/arm64/v8")).toEqual({ os: "linux", architecture: "arm64" });
    expect(formatPlatform(parsePlatform("linux/arm/v6"))).toBe("linux/arm/v6");
    // One word, as containerd takes it: an OS (this machine's architecture) or an architecture.
    expect(parsePlatform("linux")).toEqual(hostPlatform());
    expect(parsePlatform("aarch64")).toEqual({ os: "linux", architecture: "arm64" });
    expect(parsePlatform("armhf")).toEqual({ os: "linux", architecture: "arm", variant: "v7" });
    expect(() => parsePlatform("bogus")).toThrow(
      '"bogus": unknown operating system or architecture: invalid argument',
    );
    // containerd's checks, in its order and words (the docker CLI's, checked in e2e).
    expect(() => parsePlatform("linux//v7")).toThrow(
      '"" is an invalid component of "linux//v7": platform specifier component must match "^[A-Za-z0-9_.-]+$": invalid argument',
    );
    expect(() => parsePlatform("linux/amd64,linux/arm64")).toThrow(/"amd64,linux" is an invalid component/);
    expect(() => parsePlatform("linux/*")).toThrow(
      '"linux/*": wildcards not yet supported: invalid argument',
    );
    expect(() => parsePlatform("a/b/c/d")).toThrow(
      '"a/b/c/d": cannot parse platform specifier: invalid argument',
    );
    expect(hostPlatform().os).toBe("linux");
  });

  it("selects the best manifest", () => {
    const m = (architecture: string, variant?: string) =>
      desc(MediaType.ociManifest, architecture + (variant ?? ""), {
        platform: { os: "linux", architecture, ...(variant ? { variant } : {}) },
      });
    const list = [m("amd64"), m("arm", "v6"), m("arm", "v7"), m("arm64", "v8")];
    expect(selectPlatform(list, parsePlatform("linux/amd64"))).toBe(list[0]);
    expect(selectPlatform(list, parsePlatform("linux/arm/v7"))).toBe(list[2]);
    expect(selectPlatform(list.slice(0, 2), parsePlatform("linux/arm/v7"))).toBe(list[1]);
    expect(selectPlatform(list, parsePlatform("linux/arm64"))).toBe(list[3]);
    expect(selectPlatform(list, parsePlatform("linux/s390x"))).toBeUndefined();
    expect(matchesPlatform(parsePlatform("linux/arm/v6"), parsePlatform("linux/arm/v7"))).toBe(false);
  });

  it("knows layer compression", () => {
    expect(layerCompression(MediaType.dockerLayer)).toBe("gzip");
    expect(layerCompression(MediaType.ociLayer)).toBe("none");
    expect(layerCompression(MediaType.ociLayerZstd)).toBe("zstd");
    expect(layerCompression(MediaType.ociConfig)).toBeUndefined();
  });
});

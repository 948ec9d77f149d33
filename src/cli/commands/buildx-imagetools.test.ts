import { describe, expect, it } from "vitest";
import type { Digest } from "../../digest/index.js";
import { MediaType } from "../../oci/index.js";
import { goMarshal, goTime, imageOrdered, inspectText, platformKey } from "./buildx-imagetools.js";
import {
  combine,
  mergeDesc,
  parseAnnotations,
  parseSource,
  type Resolved,
} from "./buildx-imagetools-combine.js";
import { isWholeManifest } from "./buildx-imagetools-inspect.js";

const D1 = `sha256:${"1".repeat(64)}` as Digest;
const D2 = `sha256:${"2".repeat(64)}` as Digest;
const D3 = `sha256:${"3".repeat(64)}` as Digest;

const image = (digest: Digest, arch: string, mediaType: string = MediaType.ociManifest): Resolved => ({
  desc: { mediaType, digest, size: 100, platform: { architecture: arch, os: "linux" } },
  bytes: Buffer.from(`{"schemaVersion":2,"mediaType":"${mediaType}"}`),
});

describe("combine (buildx's Combine)", () => {
  it("two images: an OCI index, two-space indented, Go's field order", () => {
    const made = combine([image(D1, "amd64"), image(D2, "arm64")], [], true);
    expect(made.bytes.toString()).toBe(
      JSON.stringify(
        {
          schemaVersion: 2,
          mediaType: MediaType.ociIndex,
          manifests: [
            {
              mediaType: MediaType.ociManifest,
              digest: D1,
              size: 100,
              platform: { architecture: "amd64", os: "linux" },
            },
            {
              mediaType: MediaType.ociManifest,
              digest: D2,
              size: 100,
              platform: { architecture: "arm64", os: "linux" },
            },
          ],
        },
        null,
        2,
      ),
    );
    expect(made.desc.mediaType).toBe(MediaType.ociIndex);
    expect(made.desc.size).toBe(made.bytes.byteLength);
  });

  it("Docker manifests only: a Docker manifest list, and annotations left out as buildx leaves them", () => {
    const made = combine(
      [image(D1, "amd64", MediaType.dockerManifest), image(D2, "arm64", MediaType.dockerManifest)],
      parseAnnotations(["index:a=b"]),
      true,
    );
    const doc = JSON.parse(made.bytes.toString()) as { mediaType: string; annotations?: unknown };
    expect(doc.mediaType).toBe(MediaType.dockerManifestList);
    expect(doc.annotations).toBeUndefined();
  });

  it("one source: an index as it is; an image as it is only with --prefer-index=false", () => {
    const idx: Resolved = {
      desc: { mediaType: MediaType.ociIndex, digest: D3, size: 9 },
      bytes: Buffer.from('{"manifests":[]}'),
    };
    expect(combine([idx], [], true).bytes).toBe(idx.bytes);
    const one = image(D1, "amd64");
    expect(combine([one], [], false).bytes).toBe(one.bytes);
    expect(JSON.parse(combine([one], [], true).bytes.toString()).manifests).toHaveLength(1);
  });

  it("an index's entries merged in; one entry per digest, the later platform and annotations win", () => {
    const idx: Resolved = {
      desc: { mediaType: MediaType.ociIndex, digest: D3, size: 9 },
      bytes: Buffer.from(
        JSON.stringify({
          manifests: [
            { mediaType: MediaType.ociManifest, digest: D1, size: 100, annotations: { z: "1" } },
            {
              mediaType: MediaType.ociManifest,
              digest: D2,
              size: 100,
              platform: { architecture: "s390x", os: "linux" },
            },
          ],
        }),
      ),
    };
    const made = JSON.parse(combine([idx, image(D1, "amd64")], [], true).bytes.toString());
    expect(made.manifests).toEqual([
      {
        mediaType: MediaType.ociManifest,
        digest: D1,
        size: 100,
        annotations: { z: "1" },
        platform: { architecture: "amd64", os: "linux" },
      },
      {
        mediaType: MediaType.ociManifest,
        digest: D2,
        size: 100,
        platform: { architecture: "s390x", os: "linux" },
      },
    ]);
  });

  it("annotations: index and manifest-descriptor (by platform) on an OCI index; untyped and manifest ones refused", () => {
    const made = JSON.parse(
      combine(
        [image(D1, "amd64"), image(D2, "arm64")],
        parseAnnotations(["index:org.b=2", "index:org.a=1", "manifest-descriptor[linux/arm64]:x=y"]),
        true,
      ).bytes.toString(),
    );
    expect(Object.keys(made.annotations)).toEqual(["org.a", "org.b"]);
    expect(made.manifests[0].annotations).toBeUndefined();
    expect(made.manifests[1].annotations).toEqual({ x: "y" });
    expect(() => combine([image(D1, "amd64")], parseAnnotations(["k=v"]), true)).toThrow(
      '"" annotations are not supported yet',
    );
    expect(() => combine([image(D1, "amd64")], parseAnnotations(["manifest:k=v"]), true)).toThrow(
      '"manifest" annotations are not supported yet',
    );
    expect(() => combine([image(D1, "amd64")], parseAnnotations(["index-descriptor:k=v"]), true)).toThrow(
      '"index-descriptor" annotations are invalid while creating an image',
    );
  });
});

describe("sources and annotations as buildx parses them", () => {
  it("a digest, a reference, a descriptor", () => {
    expect(parseSource(D1)).toEqual({ desc: { digest: D1 } });
    expect(parseSource("localhost:5000/a:1").ref).toMatchObject({
      domain: "localhost:5000",
      path: "a",
      tag: "1",
    });
    expect(
      parseSource(`{"digest":"${D2}","platform":{"os":"linux","architecture":"arm"}}`).desc.platform,
    ).toEqual({
      os: "linux",
      architecture: "arm",
    });
    expect(() => parseSource("sha256:12")).toThrow(
      'failed to parse source "sha256:12", valid sources are digests, references and descriptors: invalid checksum digest format',
    );
    expect(() => parseSource("Bad Ref")).toThrow('failed to parse source "Bad Ref"');
    expect(() => parseSource("{nope")).toThrow('failed to parse source "{nope"');
  });

  it("mergeDesc: a size that differs is refused; media type, annotations and platform given win", () => {
    const reg = { mediaType: MediaType.ociManifest, digest: D1, size: 5 };
    expect(() => mergeDesc(reg, { digest: D1, size: 6 })).toThrow(`invalid size mismatch for ${D1}, 6 != 5`);
    expect(mergeDesc(reg, { digest: D1, platform: { os: "linux", architecture: "arm64" } }).platform).toEqual(
      {
        os: "linux",
        architecture: "arm64",
      },
    );
  });

  it("annotation types, platforms and their errors", () => {
    expect(parseAnnotations(["index,manifest-descriptor[linux/arm64]:k=v=w", ""])).toEqual([
      { key: { type: "index", key: "k" }, value: "v=w" },
      {
        key: { type: "manifest-descriptor", platform: { os: "linux", architecture: "arm64" }, key: "k" },
        value: "v=w",
      },
    ]);
    expect(() => parseAnnotations(["k"])).toThrow(
      'failed to parse annotations: invalid annotation "k", expected key=value',
    );
    expect(() => parseAnnotations(["Index:k=v"])).toThrow(
      'invalid annotation type "Index", expected type and optional platform in square brackets',
    );
    expect(() => parseAnnotations(["foo:k=v"])).toThrow('unknown annotation type "foo"');
  });
});

describe("inspect's forms", () => {
  it("the text form of an index: buildx's tab writers, annotations sorted after a flush", () => {
    const text = inspectText(
      "r/x:1",
      { mediaType: MediaType.ociIndex, digest: D3 },
      [
        {
          mediaType: MediaType.ociManifest,
          digest: D1,
          size: 1,
          platform: {
            os: "windows",
            architecture: "amd64",
            "os.version": "10.0.1",
            "os.features": ["a", "b"],
          },
          annotations: { "z.long.key": "2", a: "1" },
        },
        { mediaType: MediaType.ociManifest, digest: D2, size: 1 },
      ],
      (d) => `r/x:1@${d.digest}`,
    );
    expect(text).toBe(
      [
        "Name:      r/x:1",
        `MediaType: ${MediaType.ociIndex}`,
        `Digest:    ${D3}`,
        "           ",
        "Manifests: ",
        `  Name:        r/x:1@${D1}`,
        `  MediaType:   ${MediaType.ociManifest}`,
        "  Platform:    windows/amd64",
        "  OSVersion:   10.0.1",
        "  OSFeatures:  a, b",
        "  Annotations: ",
        "    a:          1",
        "    z.long.key: 2",
        // The writer after the flush: the blank line padded to the next entry's column (13).
        "             ",
        `  Name:      r/x:1@${D2}`,
        `  MediaType: ${MediaType.ociManifest}`,
        "",
      ].join("\n"),
    );
  });

  it("{{.Manifest}} alone is the text form", () => {
    expect(isWholeManifest("{{.Manifest}}")).toBe(true);
    expect(isWholeManifest("  {{ .Manifest }}\n")).toBe(true);
    expect(isWholeManifest("{{.Manifest.Digest}}")).toBe(false);
    expect(isWholeManifest("{{json .Manifest}}")).toBe(false);
  });

  it("Go's JSON: HTML characters escaped, maps sorted; times and configs as Go writes them", () => {
    expect(
      goMarshal(
        {
          a: "<&>",
          m: new Map([
            ["b", 1],
            ["a", 2],
          ]),
        },
        "",
      ),
    ).toBe('{"a":"\\u003c\\u0026\\u003e","m":{"a":2,"b":1}}');
    expect(goTime("2024-01-01T00:00:00.500000000Z")).toBe("2024-01-01T00:00:00.5Z");
    expect(goTime("2024-01-01T00:00:00+00:00")).toBe("2024-01-01T00:00:00Z");
    expect(
      JSON.stringify(
        imageOrdered({
          os: "linux",
          architecture: "arm",
          variant: "v7",
          config: { Env: [], Cmd: ["sh"], Labels: { b: "1", a: "2" }, Healthcheck: { Test: ["NONE"] } },
          rootfs: { type: "layers", diff_ids: [] },
          created: "2024-01-01T00:00:00Z",
        }),
      ),
    ).toBe(
      '{"created":"2024-01-01T00:00:00Z","architecture":"arm","os":"linux","variant":"v7","config":{"Cmd":["sh"],"Labels":{"a":"2","b":"1"}},"rootfs":{"type":"layers","diff_ids":[]}}',
    );
    expect(platformKey({ os: "linux", architecture: "arm64", variant: "v8" })).toBe("linux/arm64");
    expect(platformKey({ os: "linux", architecture: "arm" })).toBe("linux/arm/v7");
  });
});

import { describe, expect, it } from "vitest";
import { type Digest, digestOf } from "../digest/index.js";
import { type Descriptor, MediaType, type Platform, selectPlatform } from "./index.js";
import { collectGraph, isForeignLayer, type WalkNode, type WalkOptions, walkGraph } from "./walk.js";

/** Documents by digest; `read` finds only what was put. */
function docs() {
  const byDigest = new Map<Digest, Uint8Array>();
  const reads: Digest[] = [];
  return {
    reads,
    put(mediaType: string, doc: unknown, stored = true): Descriptor {
      const bytes = Buffer.from(JSON.stringify(doc));
      const d = { mediaType, digest: digestOf(bytes), size: bytes.byteLength };
      if (stored) byDigest.set(d.digest, bytes);
      return d;
    },
    blob(mediaType: string, text: string, extra: Partial<Descriptor> = {}): Descriptor {
      return { mediaType, digest: digestOf(text), size: text.length, ...extra };
    },
    read: async (d: Descriptor) => {
      reads.push(d.digest);
      return byDigest.get(d.digest);
    },
  };
}

function image(
  g: ReturnType<typeof docs>,
  tag: string,
  opts: { stored?: boolean; layers?: Descriptor[] } = {},
) {
  const config = g.blob(MediaType.ociConfig, `config ${tag}`);
  const layers = opts.layers ?? [g.blob(MediaType.ociLayerGzip, `layer ${tag}`)];
  const manifest = g.put(MediaType.ociManifest, { schemaVersion: 2, config, layers }, opts.stored ?? true);
  return { manifest, config, layers };
}

const amd: Platform = { os: "linux", architecture: "amd64" };
const arm: Platform = { os: "linux", architecture: "arm64" };

async function walked(
  roots: Descriptor[],
  read: (d: Descriptor) => Promise<Uint8Array | undefined>,
  opts?: WalkOptions,
) {
  return (await collectGraph(roots, read, opts)).map((n) => ({
    digest: n.descriptor.digest,
    role: n.role,
    depth: n.depth,
    parent: n.parent?.descriptor.digest,
    flags: [
      n.missing && "missing",
      n.foreign && "foreign",
      n.invalid && "invalid",
      n.referrer && "referrer",
    ].filter(Boolean),
  }));
}

describe("walkGraph", () => {
  it("visits an index, its manifests, their configs and layers, depth first, each digest once", async () => {
    const g = docs();
    const shared = g.blob(MediaType.ociLayerGzip, "shared");
    const a = image(g, "a", { layers: [shared, g.blob(MediaType.ociLayerGzip, "a1")] });
    const b = image(g, "b", { layers: [shared] });
    const index = g.put(MediaType.ociIndex, {
      schemaVersion: 2,
      manifests: [
        { ...a.manifest, platform: amd },
        { ...b.manifest, platform: arm },
      ],
    });
    const got = await walked([index], g.read);
    expect(got).toEqual([
      { digest: index.digest, role: "index", depth: 0, parent: undefined, flags: [] },
      { digest: a.manifest.digest, role: "manifest", depth: 1, parent: index.digest, flags: [] },
      { digest: a.config.digest, role: "config", depth: 2, parent: a.manifest.digest, flags: [] },
      { digest: shared.digest, role: "layer", depth: 2, parent: a.manifest.digest, flags: [] },
      { digest: a.layers[1]?.digest, role: "layer", depth: 2, parent: a.manifest.digest, flags: [] },
      { digest: b.manifest.digest, role: "manifest", depth: 1, parent: index.digest, flags: [] },
      { digest: b.config.digest, role: "config", depth: 2, parent: b.manifest.digest, flags: [] },
    ]);
    // Only documents are read; configs and layers never are.
    expect(g.reads).toEqual([index.digest, a.manifest.digest, b.manifest.digest]);
    // A node read carries its parsed document and bytes.
    const nodes = await collectGraph([index], g.read);
    expect(nodes[0]?.document?.kind).toBe("index");
    expect(nodes[1]?.document?.kind).toBe("manifest");
    expect(nodes[1]?.bytes?.byteLength).toBe(a.manifest.size);
  });

  it("treats a missing child as the policy says: fail (default), skip, or visit", async () => {
    const g = docs();
    const here = image(g, "here");
    const gone = image(g, "gone", { stored: false });
    const index = g.put(MediaType.ociIndex, {
      schemaVersion: 2,
      manifests: [
        { ...gone.manifest, platform: arm },
        { ...here.manifest, platform: amd },
      ],
    });
    await expect(collectGraph([index], g.read)).rejects.toMatchObject({ code: "blob-unknown" });
    const skipped = await walked([index], g.read, { missing: "skip" });
    expect(skipped.map((n) => n.digest)).toEqual([
      index.digest,
      here.manifest.digest,
      here.config.digest,
      here.layers[0]?.digest,
    ]);
    const visited = await walked([index], g.read, { missing: "visit" });
    expect(visited[1]).toEqual({
      digest: gone.manifest.digest,
      role: "manifest",
      depth: 1,
      parent: index.digest,
      flags: ["missing"],
    });
    expect(visited).toHaveLength(5);
  });

  it("treats foreign layers (with urls) as the policy says: visit (default), skip, or fail", async () => {
    const g = docs();
    const foreign = g.blob(MediaType.dockerForeignLayer, "windows base", {
      urls: ["https://example.test/base"],
    });
    const plain = g.blob(MediaType.dockerLayer, "ordinary");
    const img = image(g, "win", { layers: [foreign, plain] });
    expect(isForeignLayer(foreign)).toBe(true);
    // A non-distributable media type without urls is served by the registry like any layer.
    expect(isForeignLayer({ ...plain, mediaType: MediaType.ociLayerNondistributableGzip })).toBe(false);
    const visited = await walked([img.manifest], g.read);
    expect(visited.find((n) => n.digest === foreign.digest)?.flags).toEqual(["foreign"]);
    const skipped = await walked([img.manifest], g.read, { foreign: "skip" });
    expect(skipped.map((n) => n.digest)).toEqual([img.manifest.digest, img.config.digest, plain.digest]);
    await expect(collectGraph([img.manifest], g.read, { foreign: "fail" })).rejects.toMatchObject({
      code: "unsupported",
      message: `layer ${foreign.digest} is a foreign layer, served from elsewhere`,
    });
  });

  it("follows only the entries `select` picks, and fails as it does", async () => {
    const g = docs();
    const a = image(g, "a");
    const b = image(g, "b");
    const index = g.put(MediaType.ociIndex, {
      schemaVersion: 2,
      manifests: [
        { ...a.manifest, platform: amd },
        { ...b.manifest, platform: arm },
      ],
    });
    const pick = (want: Platform) => (entries: readonly Descriptor[]) => {
      const d = selectPlatform(entries, want);
      if (!d) throw new Error("no match");
      return [d];
    };
    const got = await walked([index], g.read, { select: pick(arm) });
    expect(got.map((n) => n.digest)).toEqual([
      index.digest,
      b.manifest.digest,
      b.config.digest,
      b.layers[0]?.digest,
    ]);
    expect(g.reads).not.toContain(a.manifest.digest);
    await expect(
      collectGraph([index], g.read, { select: pick({ os: "linux", architecture: "s390x" }) }),
    ).rejects.toThrow("no match");
  });

  it("visits referrers beside their subject, after its children", async () => {
    const g = docs();
    const img = image(g, "app");
    const sig = g.put(MediaType.ociManifest, {
      schemaVersion: 2,
      artifactType: "application/example.signature",
      config: g.blob(MediaType.ociEmpty, "{}"),
      layers: [g.blob("application/example.signature", "sig")],
      subject: img.manifest,
    });
    const referrers = async (d: Descriptor) => (d.digest === img.manifest.digest ? [sig] : []);
    const got = await walked([img.manifest], g.read, { referrers });
    expect(got.map((n) => [n.role, n.flags])).toEqual([
      ["manifest", []],
      ["config", []],
      ["layer", []],
      ["manifest", ["referrer"]],
      ["config", []],
      ["layer", []],
    ]);
    expect(got[3]).toMatchObject({ digest: sig.digest, parent: img.manifest.digest, depth: 1 });
  });

  it("refuses invalid documents, or visits them without children when asked", async () => {
    const g = docs();
    const img = image(g, "x");
    const notJson = g.blob(MediaType.ociManifest, "not json");
    const bytes = new Map<Digest, Uint8Array>([[notJson.digest, Buffer.from("not json")]]);
    const read = async (d: Descriptor) => bytes.get(d.digest) ?? (await g.read(d));
    await expect(collectGraph([notJson], read)).rejects.toMatchObject({ code: "manifest-invalid" });
    expect(await walked([notJson, img.manifest], read, { invalid: "visit" })).toMatchObject([
      { digest: notJson.digest, flags: ["invalid"] },
      { digest: img.manifest.digest, flags: [] },
      { role: "config" },
      { role: "layer" },
    ]);
    // A document of the wrong size, or of another kind than its descriptor says, is invalid too.
    await expect(
      collectGraph([{ ...img.manifest, size: img.manifest.size + 1 }], g.read),
    ).rejects.toMatchObject({
      code: "manifest-invalid",
    });
    await expect(
      collectGraph([{ ...img.manifest, mediaType: MediaType.ociIndex }], g.read),
    ).rejects.toMatchObject({
      code: "manifest-invalid",
    });
  });

  it("visits a root that is no document without reading it, and bounds the nesting of indexes", async () => {
    const g = docs();
    const layer = g.blob(MediaType.ociLayerGzip, "loose");
    expect(await walked([layer], g.read)).toEqual([
      { digest: layer.digest, role: "blob", depth: 0, parent: undefined, flags: [] },
    ]);
    let top = image(g, "deep").manifest;
    for (let i = 0; i < 4; i++) top = g.put(MediaType.ociIndex, { schemaVersion: 2, manifests: [top] });
    expect((await collectGraph([top], g.read, { maxDepth: 4 })).length).toBe(7);
    await expect(collectGraph([top], g.read, { maxDepth: 3 })).rejects.toMatchObject({
      code: "manifest-invalid",
    });
  });

  it("with invalid: visit, keeps going past a document it cannot read (garbage collection's policy)", async () => {
    const g = docs();
    const a = image(g, "a");
    const b = image(g, "b");
    const read = async (d: Descriptor) => {
      if (d.digest === a.manifest.digest) throw new Error("EIO");
      return g.read(d);
    };
    await expect(collectGraph([a.manifest, b.manifest], read)).rejects.toThrow("EIO");
    const got = await walked([a.manifest, b.manifest], read, { invalid: "visit" });
    expect(got.map((n) => [n.digest, n.flags])).toEqual([
      [a.manifest.digest, ["invalid"]],
      [b.manifest.digest, []],
      [b.config.digest, []],
      [b.layers[0]?.digest, []],
    ]);
  });

  it("checks one new document's references, as a registry's manifest PUT does", async () => {
    const g = docs();
    const stored = image(g, "stored");
    const absent = image(g, "absent", { stored: false });
    // The index being put is not stored yet: the reader returns it, and nothing else is read.
    const put = g.put(
      MediaType.ociIndex,
      { schemaVersion: 2, manifests: [stored.manifest, absent.manifest] },
      false,
    );
    const body = Buffer.from(
      JSON.stringify({ schemaVersion: 2, manifests: [stored.manifest, absent.manifest] }),
    );
    const read = async (d: Descriptor) => (d.digest === put.digest ? body : undefined);
    const children = (await collectGraph([put], read, { missing: "visit", foreign: "skip" })).filter(
      (n) => n.depth === 1,
    );
    // Each child is one to look up in the repository (revision links, blob sizes); none is expanded.
    expect(children.map((n) => [n.descriptor.digest, n.role, n.missing])).toEqual([
      [stored.manifest.digest, "manifest", true],
      [absent.manifest.digest, "manifest", true],
    ]);
  });

  it("is lazy: a consumer that stops early reads no further", async () => {
    const g = docs();
    const a = image(g, "a");
    const b = image(g, "b");
    const seen: WalkNode[] = [];
    for await (const n of walkGraph([a.manifest, b.manifest], g.read)) {
      seen.push(n);
      if (n.role === "layer") break;
    }
    expect(seen).toHaveLength(3);
    expect(g.reads).toEqual([a.manifest.digest]);
  });
});

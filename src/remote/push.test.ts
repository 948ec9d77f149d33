import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { ANNOTATION, openImages, REF_NAME } from "../images/index.js";
import { validateRegistry, validateStore } from "../images/testing/validate.js";
import { type Descriptor, MediaType } from "../oci/index.js";
import { startTestRegistry } from "../registry/testing/server.js";
import {
  createTransport,
  fetchManifest,
  type ImageRecorder,
  type Middleware,
  type ProgressEvent,
  pull,
  push,
  putManifest,
  type Repository,
  statBlob,
  storeDocument,
  type Transport,
} from "./index.js";
import { type Fixture, registryFixture } from "./testing/fixture.js";
import { type Blob, makeImage, makeIndex, pushImage, type TestImage } from "./testing/images.js";
import { startTamperingProxy } from "./testing/proxy.js";
import { storeDouble } from "./testing/store-double.js";

function recorder(): ImageRecorder & { names: Map<string, { target: Descriptor; repoDigest: string }> } {
  const names = new Map<string, { target: Descriptor; repoDigest: string }>();
  return {
    names,
    lookup: async (name) => names.get(name)?.target,
    record: async (e) => {
      names.set(e.name, { target: e.target, repoDigest: e.repoDigest });
    },
  };
}

const fast = { retry: { baseDelayMs: 1, maxDelayMs: 5 } };
const states = (events: ProgressEvent[]) =>
  events.flatMap((e) =>
    e.type === "blob" && e.state !== "waiting" && e.state !== "uploading" ? [e.state] : [],
  );

describe("push", () => {
  let reg: Fixture;
  let t: Transport;
  let image: TestImage;
  const repo = (path: string): Repository => ({ transport: t, path });

  beforeAll(async () => {
    reg = await registryFixture();
    t = createTransport(reg.host, fast);
    image = await makeImage({ layers: [5000, 3 << 20] });
    await pushImage(repo("push/src"), image, "v1");
  });
  afterAll(async () => {
    t?.close();
    await reg?.close();
  });

  /** A store holding `push/src:v1` under `name` (pulled, then named as `tag` would). */
  async function local(name: string) {
    const store = storeDouble();
    const images = recorder();
    const r = await pull(`${reg.host}/push/src:v1`, { store, images, transport: fast });
    await images.record({ name, target: r.target, manifest: r.manifest, repoDigest: r.repoDigest });
    return { store, images };
  }

  it("uploads what is missing, then reports layers that already exist", async () => {
    const name = `${reg.host}/push/dst:2.0`;
    const { store, images } = await local(name);
    const events: ProgressEvent[] = [];
    const r = await push(name, { store, images, onProgress: (e) => events.push(e), transport: fast });
    expect(r).toMatchObject({
      tag: "2.0",
      digest: image.manifest.desc.digest,
      size: image.manifest.desc.size,
    });
    expect(states(events)).toEqual(["pushed", "pushed", "pushed"]);
    const big = image.layers[1]?.desc;
    const uploading = events.filter(
      (e) => e.type === "blob" && e.state === "uploading" && e.digest === big?.digest,
    );
    expect(uploading.at(-1)).toMatchObject({
      current: image.layers[1]?.desc.size,
      total: image.layers[1]?.desc.size,
    });
    expect((await fetchManifest(repo("push/dst"), "2.0")).digest).toBe(image.manifest.desc.digest);
    expect(images.names.get(name)?.repoDigest).toBe(`${reg.host}/push/dst@${image.manifest.desc.digest}`);

    const again: ProgressEvent[] = [];
    await push(name, { store, images, onProgress: (e) => again.push(e), transport: fast });
    expect(states(again)).toEqual(["exists", "exists", "exists"]);
    await validateRegistry(repo("push/dst"), "2.0");
    await validateRegistry(repo("push/src"), "v1");
    await validateStore(store, [image.manifest.desc]);
  });

  it("mounts blobs from another repository of the same registry", async () => {
    const name = `${reg.host}/push/mounted:latest`;
    const { store, images } = await local(name);
    const events: ProgressEvent[] = [];
    await push(name, {
      store,
      images,
      onProgress: (e) => events.push(e),
      mountFrom: () => "push/src",
      transport: fast,
    });
    expect(states(events)).toEqual(["mounted", "mounted", "mounted"]);
    expect(events.find((e) => e.type === "blob" && e.state === "mounted")).toMatchObject({
      from: "push/src",
    });
    expect((await fetchManifest(repo("push/mounted"), "latest")).digest).toBe(image.manifest.desc.digest);
    await validateRegistry(repo("push/mounted"), "latest");
  });

  it("says so when the image is not local", async () => {
    await expect(
      push(`${reg.host}/push/none:1`, { store: storeDouble(), images: recorder(), transport: fast }),
    ).rejects.toMatchObject({
      code: "image-not-found",
      message: `An image does not exist locally with the tag: ${reg.host}/push/none:1`,
    });
  });

  it("restarts an upload the registry failed", async () => {
    let failed = 0;
    const proxy = await startTamperingProxy(reg.url, (method, path) =>
      method === "PUT" && path.includes("/blobs/uploads/") && failed++ === 0
        ? { kind: "status", status: 503 }
        : { kind: "pass" },
    );
    try {
      const name = `${proxy.host}/push/retried:1`;
      const { store, images } = await local(name);
      const r = await push(name, { store, images, transport: fast });
      expect(r.digest).toBe(image.manifest.desc.digest);
      expect(failed).toBeGreaterThan(1);
      expect((await fetchManifest(repo("push/retried"), "1")).digest).toBe(image.manifest.desc.digest);
      await validateRegistry(repo("push/retried"), "1");
    } finally {
      await proxy.close();
    }
  });

  it("stops the uploads under way at the first failure, cancelling their sessions", async () => {
    const small = image.layers[0]?.desc as Descriptor;
    const big = image.layers[1]?.desc as Descriptor;
    const seen: string[] = [];
    let refused: () => void = () => {};
    const refusal = new Promise<void>((r) => {
      refused = r;
    });
    const middleware: Middleware = (next) => async (req) => {
      if (req.url.pathname.includes("/blobs/uploads/")) {
        if (req.method === "DELETE") seen.push("DELETE");
        if (req.method === "PUT" && req.bodyLength === small.size) {
          await new Promise((r) => setTimeout(r, 30));
          refused();
          throw new WharfError("denied", "refused for the test");
        }
        // The big layer's bytes would go only after the refusal.
        if (req.method === "PUT" && req.bodyLength === big.size) await refusal;
      }
      return next(req);
    };
    const name = `${reg.host}/push/stopped:1`;
    const { store, images } = await local(name);
    await expect(
      push(name, { store, images, transport: { ...fast, middlewares: [middleware] } }),
    ).rejects.toThrow("refused for the test");
    expect(seen).toEqual(["DELETE"]);
    expect(await statBlob(repo("push/stopped"), big.digest)).toBeUndefined();
    await expect(fetchManifest(repo("push/stopped"), "1")).rejects.toMatchObject({
      code: "manifest-unknown",
    });
  });

  it("keeps the platform manifest a name records when it pushes an index", async () => {
    const arm = await makeImage({ platform: { os: "linux", architecture: "arm64" }, layers: [310] });
    const amd = await makeImage({ platform: { os: "linux", architecture: "amd64" }, layers: [410] });
    await pushImage(repo("push/keep"), arm);
    await pushImage(repo("push/keep"), amd);
    const index = makeIndex([amd, arm]);
    await putManifest(repo("push/keep"), "latest", { bytes: index.bytes, mediaType: index.desc.mediaType });
    const store = storeDouble();
    const images = await openImages({ content: store });
    for (const platform of ["linux/amd64", "linux/arm64"]) {
      await pull(`${reg.host}/push/keep:latest`, { store, images, platform, transport: fast });
    }
    const name = `${reg.host}/push/keep-copy:latest`;
    await images.record({ name, target: index.desc, manifest: arm.manifest.desc });
    await push(name, { store, images, transport: fast });
    const entry = (await images.records.read()).find((d) => d.annotations?.[REF_NAME] === name);
    expect(entry?.annotations?.[ANNOTATION.manifest]).toBe(arm.manifest.desc.digest);
    expect(entry?.annotations?.[ANNOTATION.id]).toBe(arm.config.desc.digest);
    expect(await validateRegistry(repo("push/keep-copy"), "latest")).toMatchObject({ images: 2 });
    expect(await validateStore(store, [index.desc])).toMatchObject({ images: 2 });
  });

  it("skips foreign layers (with urls), which the registry does not need, even when stored", async () => {
    // wharf's own registry: Distribution 2.8 refuses manifests with URLs unless configured to allow them.
    const own = await startTestRegistry();
    const ot = createTransport(own.host, fast);
    try {
      const img = await makeImage({ layers: [600, 700], docker: true });
      const [base, top] = img.layers as [Blob, Blob];
      const foreign = {
        ...base.desc,
        mediaType: MediaType.dockerForeignLayer,
        urls: ["https://example.test/base.tar.gz"],
      };
      const doc = {
        schemaVersion: 2,
        mediaType: MediaType.dockerManifest,
        config: img.config.desc,
        layers: [foreign, top.desc],
      };
      const bytes = Buffer.from(JSON.stringify(doc));
      const manifest = {
        mediaType: MediaType.dockerManifest,
        digest: digestOf(bytes),
        size: bytes.byteLength,
      };
      const store = storeDouble();
      for (const b of [img.config, base, top, { desc: manifest, bytes }]) {
        await storeDocument(store, b.desc, b.bytes);
      }
      const images = recorder();
      const name = `${own.host}/push/foreign:1`;
      await images.record({ name, target: manifest, manifest, repoDigest: "" });
      const events: ProgressEvent[] = [];
      await push(name, { store, images, onProgress: (e) => events.push(e), via: ot });
      expect(events.some((e) => e.type === "blob" && e.digest === foreign.digest)).toBe(false);
      expect(states(events)).toEqual(["pushed", "pushed"]);
      const at = { transport: ot, path: "push/foreign" };
      expect(await statBlob(at, foreign.digest)).toBeUndefined();
      expect((await fetchManifest(at, "1")).digest).toBe(manifest.digest);
      // Pulling it back is refused before anything is downloaded: wharf does not fetch from URLs.
      const empty = storeDouble();
      await expect(pull(name, { store: empty, via: ot })).rejects.toMatchObject({
        code: "unsupported",
        message: `layer ${foreign.digest} is a foreign layer, served from elsewhere`,
      });
      expect(empty.written).toBe(0);
      expect(await validateStore(store, [manifest])).toMatchObject({ images: 1, diffIds: 2 });
    } finally {
      ot.close();
      await own.close();
    }
  });

  it("pushes an index with its platform manifests, and refuses one missing a platform", async () => {
    const arm = await makeImage({ platform: { os: "linux", architecture: "arm64" }, layers: [300] });
    const amd = await makeImage({ platform: { os: "linux", architecture: "amd64" }, layers: [400] });
    await pushImage(repo("push/multi"), arm);
    await pushImage(repo("push/multi"), amd);
    const index = makeIndex([amd, arm]);
    await putManifest(repo("push/multi"), "latest", { bytes: index.bytes, mediaType: index.desc.mediaType });

    const store = storeDouble();
    const images = recorder();
    const src = `${reg.host}/push/multi:latest`;
    await pull(src, { store, images, platform: "linux/arm64", transport: fast });
    const name = `${reg.host}/push/multi-copy:latest`;
    await images.record({ name, target: index.desc, manifest: arm.manifest.desc, repoDigest: "" });
    await expect(push(name, { store, images, transport: fast })).rejects.toMatchObject({
      code: "blob-unknown",
      message: "the image is incomplete: the manifest for linux/amd64 is not stored locally",
    });

    await pull(src, { store, images, platform: "linux/amd64", transport: fast });
    const r = await push(name, { store, images, transport: fast });
    expect(r).toMatchObject({ digest: index.desc.digest, size: index.desc.size });
    const got = await fetchManifest(repo("push/multi-copy"), "latest");
    expect(got.document.kind).toBe("index");
    expect((await fetchManifest(repo("push/multi-copy"), arm.manifest.desc.digest)).digest).toBe(
      arm.manifest.desc.digest,
    );
    expect(await validateRegistry(repo("push/multi-copy"), "latest")).toMatchObject({ images: 2 });
    await validateStore(store, [index.desc]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Descriptor } from "../oci/index.js";
import {
  createTransport,
  fetchManifest,
  type ImageRecorder,
  type ProgressEvent,
  pull,
  push,
  putManifest,
  type Repository,
  type Transport,
} from "./index.js";
import { type Fixture, registryFixture } from "./testing/fixture.js";
import { makeImage, makeIndex, pushImage, type TestImage } from "./testing/images.js";
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
    } finally {
      await proxy.close();
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
  });
});

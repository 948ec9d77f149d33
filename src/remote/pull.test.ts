import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, type Digest } from "../digest/index.js";
import { validateRegistry, validateStore } from "../images/testing/validate.js";
import type { Descriptor } from "../oci/index.js";
import {
  createTransport,
  type ImageRecorder,
  type ProgressEvent,
  pull,
  putManifest,
  type Repository,
  type Transport,
} from "./index.js";
import { type Fixture, registryFixture } from "./testing/fixture.js";
import { makeImage, makeIndex, pushImage, type TestImage } from "./testing/images.js";
import { startTamperingProxy, type Tamper } from "./testing/proxy.js";
import { storeDouble } from "./testing/store-double.js";

/** A map of names, as the images module keeps them. */
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

describe("pull", () => {
  let reg: Fixture;
  let t: Transport;
  let image: TestImage;
  let big: TestImage;
  const repo = (path: string): Repository => ({ transport: t, path });

  beforeAll(async () => {
    reg = await registryFixture();
    t = createTransport(reg.host, fast);
    image = await makeImage({ layers: [3000, 200_000, 50] });
    await pushImage(repo("pull/app"), image, "1.0");
    big = await makeImage({ layers: [4 << 20, 1000] });
    await pushImage(repo("pull/big"), big, "latest");
  });
  afterAll(async () => {
    t?.close();
    await reg?.close();
  });

  it("downloads every layer into the store, records the name, and reports progress", async () => {
    const store = storeDouble();
    const images = recorder();
    const events: ProgressEvent[] = [];
    const r = await pull(`${reg.host}/pull/app:1.0`, {
      store,
      images,
      onProgress: (e) => events.push(e),
      transport: fast,
    });
    expect(r.digest).toBe(image.manifest.desc.digest);
    expect(r.repoDigest).toBe(`${reg.host}/pull/app@${image.manifest.desc.digest}`);
    expect(r.config).toEqual(image.config.desc);
    expect(r.platform).toEqual({ os: "linux", architecture: "amd64" });
    expect(r).toMatchObject({ downloaded: 4, upToDate: false });
    for (const b of [image.manifest, image.config, ...image.layers]) {
      expect(await store.info(b.desc.digest)).toEqual({ digest: b.desc.digest, size: b.desc.size });
    }
    expect(images.names.get(`${reg.host}/pull/app:1.0`)).toEqual({
      target: image.manifest.desc,
      repoDigest: r.repoDigest,
    });
    expect(events[0]).toMatchObject({ type: "resolved", digest: image.manifest.desc.digest });
    for (const l of image.layers) {
      const states = events
        .filter((e) => e.type === "blob" && e.digest === l.desc.digest)
        .map((e) => e.type === "blob" && e.state);
      expect(states[0]).toBe("waiting");
      expect(states).toContain("downloading");
      expect(states.slice(-2)).toEqual(["verifying", "complete"]);
    }
    const last = events
      .filter(
        (e) => e.type === "blob" && e.digest === image.layers[1]?.desc.digest && e.state === "downloading",
      )
      .at(-1);
    expect(last).toMatchObject({ current: image.layers[1]?.desc.size, total: image.layers[1]?.desc.size });
    expect(await validateStore(store, [r.target])).toMatchObject({ images: 1, diffIds: 3 });
    await validateRegistry(repo("pull/app"), "1.0");
  });

  it("reuses what is stored: already exists, up to date", async () => {
    const store = storeDouble();
    const images = recorder();
    await pull(`${reg.host}/pull/app:1.0`, { store, images, transport: fast });
    const written = store.written;
    const events: ProgressEvent[] = [];
    const again = await pull(`${reg.host}/pull/app:1.0`, {
      store,
      images,
      onProgress: (e) => events.push(e),
      transport: fast,
    });
    expect(again).toMatchObject({ downloaded: 0, upToDate: true });
    expect(store.written).toBe(written);
    // as Docker: an image already whole is not announced layer by layer
    expect(events.filter((e) => e.type === "blob")).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(["resolved"]);
    await validateStore(store, [again.target]);
  });

  it("announces present layers as exists and downloads only the missing ones", async () => {
    const store = storeDouble();
    const images = recorder();
    const first = await pull(`${reg.host}/pull/app:1.0`, { store, images, transport: fast });
    const manifest = await collect(await store.read(first.manifest.digest), 1 << 20);
    const layers = (JSON.parse(manifest.toString()) as { layers: { digest: Digest }[] }).layers;
    const missing = layers[1]?.digest as Digest;
    await store.delete(missing);
    const events: ProgressEvent[] = [];
    const again = await pull(`${reg.host}/pull/app:1.0`, {
      store,
      images,
      onProgress: (e) => events.push(e),
      transport: fast,
    });
    expect(again).toMatchObject({ downloaded: 1, upToDate: false });
    const blobEvents = events.filter((e) => e.type === "blob");
    expect(blobEvents.slice(0, layers.length).map((e) => e.type === "blob" && [e.digest, e.state])).toEqual(
      layers.map((l) => [l.digest, l.digest === missing ? "waiting" : "exists"]),
    );
    // nothing but the missing layer moves afterwards
    const later = blobEvents.slice(layers.length);
    expect(new Set(later.map((e) => e.type === "blob" && e.digest))).toEqual(new Set([missing]));
    expect(later.at(-1)).toMatchObject({ state: "complete" });
    await validateStore(store, [again.target]);
  });

  it("selects the platform from an index and fails clearly when none matches", async () => {
    const arm = await makeImage({ platform: { os: "linux", architecture: "arm64" }, layers: [100] });
    const amd = await makeImage({ platform: { os: "linux", architecture: "amd64" }, layers: [200] });
    await pushImage(repo("pull/multi"), arm);
    await pushImage(repo("pull/multi"), amd);
    const index = makeIndex([amd, arm]);
    await putManifest(repo("pull/multi"), "latest", { bytes: index.bytes, mediaType: index.desc.mediaType });

    const store = storeDouble();
    const images = recorder();
    const r = await pull(`${reg.host}/pull/multi`, {
      store,
      images,
      platform: "linux/arm64",
      transport: fast,
    });
    expect(r.reference.tag).toBe("latest");
    expect(r.digest).toBe(index.desc.digest);
    expect(r.manifest.digest).toBe(arm.manifest.desc.digest);
    expect(r.platform).toEqual({ os: "linux", architecture: "arm64" });
    expect(await store.info(index.desc.digest)).toBeDefined();
    expect(await store.info(arm.layers[0]?.desc.digest as Digest)).toBeDefined();
    expect(await store.info(amd.layers[0]?.desc.digest as Digest)).toBeUndefined();
    expect(images.names.get(`${reg.host}/pull/multi:latest`)?.target.digest).toBe(index.desc.digest);

    const empty = storeDouble();
    const none = recorder();
    await expect(
      pull(`${reg.host}/pull/multi:latest`, {
        store: empty,
        images: none,
        platform: "linux/s390x",
        transport: fast,
      }),
    ).rejects.toMatchObject({
      code: "platform-mismatch",
      hint: "available platforms: linux/amd64, linux/arm64; choose one with --platform",
    });
    for await (const b of empty.walk()) expect.unreachable(`stored ${b.digest}`);
    expect(none.names.size).toBe(0);

    await expect(
      pull(`${reg.host}/pull/app:1.0`, {
        store: empty,
        images: none,
        platform: "linux/arm64",
        transport: fast,
      }),
    ).rejects.toMatchObject({
      code: "platform-mismatch",
      message: expect.stringContaining("wanted linux/arm64, actual: linux/amd64"),
    });
    expect(none.names.size).toBe(0);
    await validateStore(store, [r.target]);
    expect(await validateRegistry(repo("pull/multi"), "latest")).toMatchObject({ images: 2 });
  });

  it("reports a missing tag as manifest unknown", async () => {
    await expect(
      pull(`${reg.host}/pull/app:nope`, { store: storeDouble(), images: recorder(), transport: fast }),
    ).rejects.toMatchObject({ code: "manifest-unknown" });
  });

  /** A proxy in front of the registry that tampers with one blob's download. */
  async function proxied(digest: Digest, tamper: () => Tamper) {
    const seen: { range: string | undefined }[] = [];
    const proxy = await startTamperingProxy(reg.url, (method, path, headers) => {
      if (method !== "GET" || !path.endsWith(`/blobs/${digest}`)) return { kind: "pass" };
      seen.push({ range: headers.range as string | undefined });
      return tamper();
    });
    return { proxy, seen };
  }

  it("resumes a download cut by the network within the same pull", async () => {
    const layer = big.layers[0]?.desc as Descriptor;
    let n = 0;
    const { proxy, seen } = await proxied(layer.digest, () =>
      n++ === 0 ? { kind: "cut", after: 1_500_000 } : { kind: "pass" },
    );
    try {
      const store = storeDouble();
      const r = await pull(`${proxy.host}/pull/big:latest`, { store, images: recorder(), transport: fast });
      expect(r.downloaded).toBe(3);
      expect(await store.info(layer.digest)).toEqual({ digest: layer.digest, size: layer.size });
      expect(seen[0]?.range).toBeUndefined();
      expect(seen[1]?.range).toMatch(/^bytes=\d+-$/);
      expect(Number(seen[1]?.range?.slice(6, -1))).toBeGreaterThan(0);
      expect(store.written).toBe(
        big.layers.reduce((s, l) => s + l.desc.size, 0) + big.config.desc.size + big.manifest.desc.size,
      );
      await validateStore(store, [r.target]);
      await validateRegistry(repo("pull/big"), "latest");
    } finally {
      await proxy.close();
    }
  });

  it("resumes an interrupted pull where it stopped", async () => {
    const layer = big.layers[0]?.desc as Descriptor;
    const store = storeDouble();
    const images = recorder();
    const ctl = new AbortController();
    await expect(
      pull(`${reg.host}/pull/big:latest`, {
        store,
        images,
        concurrency: 1,
        signal: ctl.signal,
        transport: fast,
        onProgress: (e) => {
          if (
            e.type === "blob" &&
            e.digest === layer.digest &&
            e.state === "downloading" &&
            e.current >= 1 << 20
          )
            ctl.abort();
        },
      }),
    ).rejects.toThrow();
    expect(images.names.size).toBe(0);
    expect(await store.info(layer.digest)).toBeUndefined();
    expect(await store.info(big.manifest.desc.digest)).toBeUndefined();

    const { proxy, seen } = await proxied(layer.digest, () => ({ kind: "pass" }));
    try {
      const events: ProgressEvent[] = [];
      const r = await pull(`${proxy.host}/pull/big:latest`, {
        store,
        images,
        onProgress: (e) => events.push(e),
        transport: fast,
      });
      expect(await store.info(layer.digest)).toEqual({ digest: layer.digest, size: layer.size });
      expect(seen).toHaveLength(1);
      expect(seen[0]?.range).toMatch(/^bytes=[1-9]\d*-$/);
      const firstDownload = events.find(
        (e) => e.type === "blob" && e.digest === layer.digest && e.state === "downloading",
      );
      expect(firstDownload).toMatchObject({ current: expect.any(Number) });
      expect(firstDownload?.type === "blob" && firstDownload.current).toBeGreaterThanOrEqual(1 << 20);
      expect(r.digest).toBe(big.manifest.desc.digest);
      await validateStore(store, [r.target]);
    } finally {
      await proxy.close();
    }
  });

  for (const tamper of [{ kind: "corrupt" }, { kind: "extend", extra: 10 }] as const) {
    it(`refuses a lying registry (${tamper.kind}) and commits nothing of the image`, async () => {
      const layer = image.layers[1]?.desc as Descriptor;
      const { proxy } = await proxied(layer.digest, () => tamper);
      try {
        const store = storeDouble();
        const images = recorder();
        await expect(
          pull(`${proxy.host}/pull/app:1.0`, { store, images, transport: fast }),
        ).rejects.toMatchObject({
          code: tamper.kind === "corrupt" ? "digest-invalid" : "size-invalid",
          message: expect.stringContaining(layer.digest),
        });
        expect(await store.info(layer.digest)).toBeUndefined();
        expect(store.partial(`download-${layer.digest.replace(":", "-")}`)).toBe(0);
        expect(await store.info(image.manifest.desc.digest)).toBeUndefined();
        expect(images.names.size).toBe(0);
      } finally {
        await proxy.close();
      }
    });
  }
});

import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bytesOf, type Digest, digestOf } from "../../digest/index.js";
import { type Images, imageHistory, inspectImage, openImages, tagImage } from "../../images/index.js";
import { makeImage, makeIndex, type TestImage } from "../../images/testing/fixtures.js";
import { validateRoot } from "../../images/testing/validate.js";
import { loadArchive, saveArchive } from "./index.js";
import { bytesOfStream, tarEntries, tempDir } from "./testing/stores.js";

describe("save and load", () => {
  let a: { dir: string; close: () => Promise<void> };
  let b: { dir: string; close: () => Promise<void> };
  let src: Images;
  let dst: Images;
  let app: TestImage;
  let tool: TestImage;

  beforeEach(async () => {
    a = await tempDir("wharf-save-a-");
    b = await tempDir("wharf-save-b-");
    src = await openImages(a.dir);
    dst = await openImages(b.dir);
    app = await makeImage(src.content, {
      layers: [
        ["base", "shared"],
        ["app", "one"],
      ],
    });
    tool = await makeImage(src.content, {
      layers: [
        ["base", "shared"],
        ["tool", "two"],
      ],
      config: { Cmd: ["tool"] },
    });
    await src.record({ name: "app:1", target: app.manifest });
    await src.record({
      name: "registry.example.test/team/tool:2",
      target: tool.manifest,
      repoDigest: `registry.example.test/team/tool@${tool.manifest.digest}`,
    });
    await tagImage(src, "app:1", "app:latest");
  });

  afterEach(async () => {
    await src.close();
    await dst.close();
    await a.close();
    await b.close();
  });

  it("writes Docker 25's layout: manifest.json, repositories, oci-layout, index.json, shared blobs once", async () => {
    const { stream } = await saveArchive(src, ["app", "registry.example.test/team/tool:2"]);
    const tar = await tarEntries(await bytesOfStream(stream));
    const names = [...tar.keys()];
    expect(names.slice(-4)).toEqual(["index.json", "manifest.json", "oci-layout", "repositories"]);
    const blobs = names.filter((n) => /^blobs\/sha256\/[0-9a-f]{64}$/.test(n));
    // 3 distinct layers, 2 configs, 2 manifests; the shared base layer once
    expect(blobs).toHaveLength(7);
    expect(new Set(blobs).size).toBe(7);
    for (const n of blobs) expect(digestOf(tar.get(n) as Buffer)).toBe(`sha256:${n.slice(13)}`);
    const hex = (d: string) => `blobs/sha256/${d.slice(7)}`;
    const top = (i: TestImage) => (i.layers.at(-1)?.digest ?? "").slice(7);
    const manifest = JSON.parse((tar.get("manifest.json") as Buffer).toString());
    expect(manifest).toEqual([
      {
        Config: hex(app.id),
        RepoTags: ["app:1", "app:latest"],
        Layers: app.layers.map((l) => hex(l.digest)),
      },
      {
        Config: hex(tool.id),
        RepoTags: ["registry.example.test/team/tool:2"],
        Layers: tool.layers.map((l) => hex(l.digest)),
      },
    ]);
    const index = JSON.parse((tar.get("index.json") as Buffer).toString());
    expect(index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(
      index.manifests.map((m: { digest: string; annotations: Record<string, string> }) => [
        m.digest,
        m.annotations,
      ]),
    ).toEqual([
      [
        app.manifest.digest,
        { "io.containerd.image.name": "docker.io/library/app:1", "org.opencontainers.image.ref.name": "1" },
      ],
      [
        app.manifest.digest,
        {
          "io.containerd.image.name": "docker.io/library/app:latest",
          "org.opencontainers.image.ref.name": "latest",
        },
      ],
      [
        tool.manifest.digest,
        {
          "io.containerd.image.name": "registry.example.test/team/tool:2",
          "org.opencontainers.image.ref.name": "2",
        },
      ],
    ]);
    expect(JSON.parse((tar.get("repositories") as Buffer).toString())).toEqual({
      app: {
        "1": top(app),
        latest: top(app),
      },
      "registry.example.test/team/tool": { "2": top(tool) },
    });
    expect(JSON.parse((tar.get("oci-layout") as Buffer).toString())).toEqual({ imageLayoutVersion: "1.0.0" });
  });

  it("a round trip keeps image IDs, tags and history; RepoDigests are not kept, as Docker", async () => {
    const { stream } = await saveArchive(src, [
      "app:1",
      "app:latest",
      tool.id.slice(7, 19),
      "registry.example.test/team/tool:2",
    ]);
    const r = await loadArchive(dst, stream);
    expect(r.lines).toEqual([
      "Loaded image: app:1",
      "Loaded image: app:latest",
      "Loaded image: registry.example.test/team/tool:2",
    ]);
    for (const [name, img] of [
      ["app:1", app],
      ["registry.example.test/team/tool:2", tool],
    ] as const) {
      const before = await inspectImage(src, name);
      const after = await inspectImage(dst, name);
      expect(after.Id).toBe(img.id);
      expect(after.RepoTags).toEqual(before.RepoTags);
      expect(after.RepoDigests).toEqual([]);
      expect(await imageHistory(dst, name)).toEqual(await imageHistory(src, name));
    }
    await validateRoot(b.dir);
  });

  it("an image saved by ID loads as its ID; loading again is idempotent", async () => {
    const tar = await bytesOfStream((await saveArchive(src, [app.id])).stream);
    expect((await loadArchive(dst, bytesOf(tar))).lines).toEqual([`Loaded image ID: ${app.id}`]);
    expect((await loadArchive(dst, bytesOf(tar))).lines).toEqual([`Loaded image ID: ${app.id}`]);
    await validateRoot(b.dir);
  });

  it("loads gzip- and zstd-compressed archives", async () => {
    const tar = await bytesOfStream((await saveArchive(src, ["app:1"])).stream);
    expect((await loadArchive(dst, bytesOf(gzipSync(tar)))).lines).toEqual(["Loaded image: app:1"]);
    const zst = execFileSync("zstd", ["-c", "-q"], { input: tar, maxBuffer: 64 << 20 });
    const again = await loadArchive(dst, bytesOf(zst.subarray(0, 1000), zst.subarray(1000)));
    expect(again.lines).toEqual(["Loaded image: app:1"]);
    await validateRoot(b.dir);
  });

  it("a tag that pointed at another image moves, as Docker's rename message says", async () => {
    await dst.record({ name: "app:1", target: tool.manifest }).catch(() => undefined);
    const toolTar = await bytesOfStream(
      (await saveArchive(src, ["registry.example.test/team/tool:2"])).stream,
    );
    await loadArchive(dst, bytesOf(toolTar));
    await tagImage(dst, "registry.example.test/team/tool:2", "app:1");
    const r = await loadArchive(dst, (await saveArchive(src, ["app:1"])).stream);
    expect(r.lines).toEqual([
      `The image app:1 already exists, renaming the old one with ID ${tool.id} to empty string`,
      "Loaded image: app:1",
    ]);
    await validateRoot(b.dir);
  });

  it("--platform saves that platform's manifest of a multi-platform image", async () => {
    const arm = await makeImage(src.content, {
      layers: [["arm", "three"]],
      platform: { os: "linux", architecture: "arm64", variant: "v8" },
    });
    const index = await makeIndex(src.content, [
      { manifest: app.manifest, platform: { os: "linux", architecture: "amd64" } },
      { manifest: arm.manifest, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
    ]);
    await src.record({ name: "multi:1", target: index, manifest: app.manifest });
    const tar = await tarEntries(
      await bytesOfStream(
        (await saveArchive(src, ["multi:1"], { platforms: [{ os: "linux", architecture: "arm64" }] })).stream,
      ),
    );
    const [item] = JSON.parse((tar.get("manifest.json") as Buffer).toString());
    expect(item.Config).toBe(`blobs/sha256/${arm.id.slice(7)}`);
    const host = JSON.parse(
      (await tarEntries(await bytesOfStream((await saveArchive(src, ["multi:1"])).stream)))
        .get("manifest.json")
        ?.toString() ?? "",
    );
    expect(host[0].Config).toBe(`blobs/sha256/${app.id.slice(7)}`);
  });

  it("saves every stored platform of a multi-platform image as Docker 25+ does; load keeps them all", async () => {
    const arm = await makeImage(src.content, {
      layers: [["arm", "three"]],
      platform: { os: "linux", architecture: "arm64" },
    });
    const index = await makeIndex(src.content, [
      { manifest: app.manifest, platform: { os: "linux", architecture: "amd64" } },
      { manifest: arm.manifest, platform: { os: "linux", architecture: "arm64" } },
      // pulled for this machine only: a platform whose manifest is not stored is left out
      {
        manifest: { ...arm.manifest, digest: digestOf("absent") },
        platform: { os: "linux", architecture: "s390x" },
      },
    ]);
    await src.record({ name: "multi:1", target: index, manifest: app.manifest });
    const bytes = await bytesOfStream((await saveArchive(src, ["multi:1"])).stream);
    const tar = await tarEntries(bytes);
    const top = JSON.parse((tar.get("index.json") as Buffer).toString()).manifests;
    expect(top).toEqual([
      {
        mediaType: index.mediaType,
        digest: index.digest,
        size: index.size,
        annotations: {
          "io.containerd.image.name": "docker.io/library/multi:1",
          "org.opencontainers.image.ref.name": "1",
        },
      },
    ]);
    const items = JSON.parse((tar.get("manifest.json") as Buffer).toString());
    expect(items).toEqual([
      {
        Config: `blobs/sha256/${app.id.slice(7)}`,
        RepoTags: ["multi:1"],
        Layers: app.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
      },
    ]);
    for (const d of [arm.manifest.digest, arm.id, ...arm.layers.map((l) => l.digest)])
      expect(tar.has(`blobs/sha256/${d.slice(7)}`)).toBe(true);
    expect(tar.has(`blobs/sha256/${digestOf("absent").slice(7)}`)).toBe(false);

    expect((await loadArchive(dst, bytesOf(bytes))).lines).toEqual(["Loaded image: multi:1"]);
    await validateRoot(b.dir);
    // the name names the index again, with both platforms: saved again, the same bytes
    expect(await bytesOfStream((await saveArchive(dst, ["multi:1"])).stream)).toEqual(bytes);
    const one = await tarEntries(
      await bytesOfStream(
        (await saveArchive(dst, ["multi:1"], { platforms: [{ os: "linux", architecture: "arm64" }] })).stream,
      ),
    );
    expect(JSON.parse((one.get("manifest.json") as Buffer).toString())[0].Config).toBe(
      `blobs/sha256/${arm.id.slice(7)}`,
    );

    // load --platform: the name runs that platform's image; one the archive lacks changes nothing
    const c = await tempDir("wharf-save-c-");
    const third = await openImages(c.dir);
    try {
      const arm64 = { os: "linux", architecture: "arm64" };
      await loadArchive(third, bytesOf(bytes), { platform: arm64 });
      expect((await inspectImage(third, "multi:1")).Id).toBe(arm.id);
      // that platform alone is stored (the index too, as after a pull for one platform)
      const has = async (d: Digest) => (await third.content.info(d)) !== undefined;
      for (const d of [index.digest, arm.manifest.digest, arm.id, ...arm.layers.map((l) => l.digest)])
        expect(await has(d)).toBe(true);
      for (const d of [app.manifest.digest, app.id, ...app.layers.map((l) => l.digest)])
        expect(await has(d)).toBe(false);
      await validateRoot(c.dir);
      // loaded again without --platform: every platform
      await loadArchive(third, bytesOf(bytes));
      for (const d of [app.manifest.digest, app.id, ...app.layers.map((l) => l.digest)])
        expect(await has(d)).toBe(true);
      expect((await inspectImage(third, "multi:1")).Id).toBe(app.id);
      await expect(
        loadArchive(dst, bytesOf(bytes), { platform: { os: "linux", architecture: "s390x" } }),
      ).rejects.toThrow(/no image for linux\/s390x/);
      expect((await inspectImage(dst, "multi:1")).Id).toBe(app.id);
      await validateRoot(c.dir);
    } finally {
      await third.close();
      await c.close();
    }
  });

  it("--platform a,b saves those platforms, the first in manifest.json; a missing one fails first", async () => {
    const arm = await makeImage(src.content, {
      layers: [["arm", "three"]],
      platform: { os: "linux", architecture: "arm64" },
    });
    const ppc = await makeImage(src.content, {
      layers: [["ppc", "four"]],
      platform: { os: "linux", architecture: "ppc64le" },
    });
    const index = await makeIndex(src.content, [
      { manifest: app.manifest, platform: { os: "linux", architecture: "amd64" } },
      { manifest: arm.manifest, platform: { os: "linux", architecture: "arm64" } },
      { manifest: ppc.manifest, platform: { os: "linux", architecture: "ppc64le" } },
    ]);
    await src.record({ name: "multi:1", target: index, manifest: app.manifest });
    const arm64 = { os: "linux", architecture: "arm64" };
    const amd64 = { os: "linux", architecture: "amd64" };
    const tar = await tarEntries(
      await bytesOfStream((await saveArchive(src, ["multi:1"], { platforms: [arm64, amd64] })).stream),
    );
    expect(JSON.parse((tar.get("manifest.json") as Buffer).toString())[0].Config).toBe(
      `blobs/sha256/${arm.id.slice(7)}`,
    );
    expect(JSON.parse((tar.get("index.json") as Buffer).toString()).manifests[0].digest).toBe(index.digest);
    expect(tar.has(`blobs/sha256/${app.id.slice(7)}`)).toBe(true);
    expect(tar.has(`blobs/sha256/${ppc.id.slice(7)}`)).toBe(false);
    await expect(
      saveArchive(src, ["multi:1"], { platforms: [arm64, { os: "linux", architecture: "s390x" }] }),
    ).rejects.toThrow(/no stored manifest for linux\/s390x/);
  });

  it("a legacy archive (<id>/layer.tar, <id>.json, links): gzip layers checked against their diff IDs", async () => {
    const { pack } = await import("tar-stream");
    const { gunzipSync } = await import("node:zlib");
    const config = await src.content.read(app.id).then(bytesOfStream);
    const layers = await Promise.all(app.layers.map((l) => src.content.read(l.digest).then(bytesOfStream)));
    const make = async (cfg: Buffer) => {
      const p = pack();
      const parts: Buffer[] = [];
      const done = (async () => {
        for await (const c of p as unknown as AsyncIterable<Buffer>) parts.push(c);
      })();
      const add = (h: { name: string; type?: "symlink"; linkname?: string }, body: Buffer | string = "") =>
        new Promise<void>((res, rej) =>
          p.entry({ mtime: new Date(0), ...h }, body, (e) => (e ? rej(e) : res())),
        );
      const id = digestOf(cfg).slice(7);
      await add({ name: `${id}.json` }, cfg);
      await add({ name: "l0.tar" }, layers[0]);
      await add({ name: "one/layer.tar", type: "symlink", linkname: "../l0.tar" });
      await add({ name: "two/layer.tar" }, gunzipSync(layers[1] as Buffer));
      await add(
        { name: "manifest.json" },
        JSON.stringify([
          { Config: `${id}.json`, RepoTags: ["legacy:1"], Layers: ["one/layer.tar", "two/layer.tar"] },
        ]),
      );
      p.finalize();
      await done;
      return Buffer.concat(parts);
    };
    expect((await loadArchive(dst, bytesOf(await make(config)))).lines).toEqual(["Loaded image: legacy:1"]);
    expect((await inspectImage(dst, "legacy:1")).Id).toBe(app.id);
    await validateRoot(b.dir);
    const doc = JSON.parse(config.toString());
    doc.rootfs.diff_ids.reverse();
    await expect(loadArchive(dst, bytesOf(await make(Buffer.from(JSON.stringify(doc)))))).rejects.toThrow(
      /has diff ID/,
    );
  });

  it("--platform refuses an image of another platform", async () => {
    await expect(
      saveArchive(src, ["app:1"], { platforms: [{ os: "linux", architecture: "s390x" }] }),
    ).rejects.toThrow(/linux\/amd64, not linux\/s390x/);
  });
});

import { pack } from "tar-stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bytesOf, digestOf } from "../../digest/index.js";
import { isWharfError } from "../../errors/index.js";
import { type Images, openImages } from "../../images/index.js";
import { makeImage, type TestImage } from "../../images/testing/fixtures.js";
import { validateRoot } from "../../images/testing/validate.js";
import { loadArchive, saveArchive } from "./index.js";
import { bytesOfStream, storeListing, tarEntries, tempDir } from "./testing/stores.js";

type Entry = {
  name: string;
  body?: Buffer;
  type?: "file" | "symlink" | "link" | "directory";
  linkname?: string;
  size?: number;
};

async function makeTar(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  const parts: Buffer[] = [];
  const done = (async () => {
    for await (const c of p as unknown as AsyncIterable<Buffer>) parts.push(c);
  })();
  for (const e of entries) {
    const h = {
      name: e.name,
      type: e.type ?? "file",
      mode: 0o644,
      mtime: new Date(0),
      ...(e.linkname ? { linkname: e.linkname } : {}),
    };
    await new Promise<void>((res, rej) =>
      p.entry(h, e.type === "file" || !e.type ? (e.body ?? Buffer.alloc(0)) : "", (err) =>
        err ? rej(err) : res(),
      ),
    );
  }
  p.finalize();
  await done;
  return Buffer.concat(parts);
}

/** Rewrites the size field of the tar header at `offset` (octal, 12 bytes) and its checksum. */
function declareSize(tar: Buffer, offset: number, size: number): Buffer {
  const out = Buffer.from(tar);
  const octal = size.toString(8);
  out.write(octal.length >= 12 ? octal : `${octal.padStart(11, "0")}\0`, offset + 124, "ascii");
  out.fill(0x20, offset + 148, offset + 156);
  let sum = 0;
  for (let i = offset; i < offset + 512; i++) sum += out[i] as number;
  out.write(`${sum.toString(8).padStart(6, "0")}\0 `, offset + 148, "ascii");
  return out;
}

const TEN_GIB = 10 * 1024 ** 3;

describe("hostile and broken archives are refused with the store left as it was", () => {
  let a: { dir: string; close: () => Promise<void> };
  let b: { dir: string; close: () => Promise<void> };
  let src: Images;
  let dst: Images;
  let img: TestImage;
  let good: Map<string, Buffer>;

  beforeEach(async () => {
    a = await tempDir("wharf-hostile-a-");
    b = await tempDir("wharf-hostile-b-");
    src = await openImages(a.dir);
    dst = await openImages(b.dir);
    img = await makeImage(src.content, {
      layers: [
        ["a", "one"],
        ["b", "two"],
      ],
    });
    await src.record({ name: "app:1", target: img.manifest });
    // the destination already holds an image, which must survive every refusal untouched
    const other = await makeImage(dst.content, { layers: [["c", "three"]] });
    await dst.record({ name: "kept:1", target: other.manifest });
    good = await tarEntries(await bytesOfStream((await saveArchive(src, ["app:1"])).stream));
  });

  afterEach(async () => {
    await src.close();
    await dst.close();
    await a.close();
    await b.close();
  });

  const entries = (edit: (m: Map<string, Buffer>) => void): Entry[] => {
    const m = new Map(good);
    edit(m);
    return [...m].map(([name, body]) =>
      name.endsWith("/") ? { name, type: "directory" as const } : { name, body },
    );
  };
  const hex = (d: string) => `blobs/sha256/${d.slice(7)}`;

  async function refused(tar: Buffer, message: RegExp): Promise<void> {
    const before = storeListing(b.dir);
    const err = await loadArchive(dst, bytesOf(tar)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isWharfError(err), String(err)).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect(storeListing(b.dir)).toEqual(before);
    await validateRoot(b.dir);
  }

  it("the good archive loads (the cases below differ from it in one thing)", async () => {
    const r = await loadArchive(dst, bytesOf(await makeTar(entries(() => {}))));
    expect(r.lines).toEqual(["Loaded image: app:1"]);
  });

  it("a blob whose bytes do not match its name", async () => {
    const layer = hex(img.layers[0]?.digest as string);
    await refused(
      await makeTar(entries((m) => m.set(layer, Buffer.from("not the layer")))),
      /digest mismatch|size mismatch/,
    );
  });

  it("a '..' path, an absolute path", async () => {
    await refused(
      await makeTar([{ name: "../escape", body: Buffer.from("x") }, ...entries(() => {})]),
      /leads out of the archive/,
    );
    await refused(
      await makeTar([...entries(() => {}), { name: "/etc/evil", body: Buffer.from("x") }]),
      /absolute path/,
    );
  });

  it("a symlinked blob path, and a link leading out of the archive", async () => {
    const layer = hex(img.layers[1]?.digest as string);
    const list = entries((m) => m.delete(layer));
    await refused(
      await makeTar([...list, { name: layer, type: "symlink", linkname: "../../manifest.json" }]),
      /is a link/,
    );
    const legacy = entries(() => {}).map((e) =>
      e.name === "manifest.json"
        ? {
            ...e,
            body: Buffer.from(
              JSON.stringify([{ Config: hex(img.id), RepoTags: ["app:1"], Layers: ["x/layer.tar"] }]),
            ),
          }
        : e,
    );
    await refused(
      await makeTar([...legacy, { name: "x/layer.tar", type: "symlink", linkname: "../../../etc/passwd" }]),
      /links out of the archive/,
    );
  });

  it("a blob missing: a layer the manifest names, a manifest index.json names", async () => {
    await refused(
      await makeTar(entries((m) => m.delete(hex(img.layers[0]?.digest as string)))),
      /not in the archive/,
    );
    const oci = entries((m) => {
      m.delete("manifest.json");
      m.delete(hex(img.manifest.digest));
    });
    await refused(await makeTar(oci), /not in the archive/);
  });

  it("manifest.json naming files that are not there", async () => {
    const bad = Buffer.from(JSON.stringify([{ Config: "nothere.json", RepoTags: ["app:1"], Layers: [] }]));
    await refused(
      await makeTar(entries((m) => m.set("manifest.json", bad))),
      /names "nothere.json", which is not in the archive/,
    );
  });

  it("a truncated tar", async () => {
    const tar = await makeTar(entries(() => {}));
    const layerAt = tar.indexOf(Buffer.from(hex(img.layers[1]?.digest as string)));
    await refused(tar.subarray(0, layerAt + 512 + 100), /truncated|not a valid tar|Unexpected end/i);
  });

  it("a 10 GiB declared size: in a tar header of a blob, of manifest.json, in a descriptor", async () => {
    const tar = await makeTar(entries(() => {}));
    const layerAt = tar.indexOf(Buffer.from(hex(img.layers[0]?.digest as string)));
    await refused(declareSize(tar, layerAt, TEN_GIB), /not a valid tar|truncated|Unexpected end/i);
    const order = [...good.keys()].filter((n) => n !== "manifest.json");
    const first = await makeTar([
      { name: "manifest.json", body: good.get("manifest.json") as Buffer },
      ...order.filter((n) => !n.endsWith("/")).map((name) => ({ name, body: good.get(name) as Buffer })),
    ]);
    await refused(declareSize(first, 0, TEN_GIB), /declares 10737418240 bytes/);
    // an OCI layout whose manifest declares a 10 GiB layer
    const manifest = JSON.parse((good.get(hex(img.manifest.digest)) as Buffer).toString());
    manifest.layers[0].size = TEN_GIB;
    const bytes = Buffer.from(JSON.stringify(manifest));
    const d = digestOf(bytes);
    const index = {
      schemaVersion: 2,
      manifests: [
        { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: d, size: bytes.byteLength },
      ],
    };
    const oci = entries((m) => {
      m.delete("manifest.json");
      m.set(hex(d), bytes);
      m.set("index.json", Buffer.from(JSON.stringify(index)));
    });
    await refused(await makeTar(oci), /not the 10737418240 its descriptor declares/);
  });

  it("a tar of no image at all", async () => {
    await refused(
      await makeTar([{ name: "hello.txt", body: Buffer.from("hi") }]),
      /neither manifest.json nor index.json/,
    );
    await refused(
      Buffer.from("this is not a tar archive, not even close to one. ".repeat(20)),
      /not a valid tar|neither/,
    );
  });
});

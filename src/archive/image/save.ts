import type { Bytes } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { type Images, type SaveImage, saveImages } from "../../images/index.js";
import type { Descriptor, Platform } from "../../oci/index.js";
import { savedSignatures } from "./signatures.js";
import { type ArchiveRoot, archiveWriter } from "./write-archive.js";

export interface SaveOptions {
  /**
   * The platforms of a multi-platform image to save (each manifest must be stored); default: every
   * platform stored here. One platform: that platform's image alone.
   */
  platforms?: readonly Platform[];
}

export interface SaveResult {
  images: SaveImage[];
  /** The archive's bytes, streamed from the store as they are read. */
  stream: Bytes;
}

/**
 * `docker save`: the images `names` name, as one Docker 25+ archive (`manifest.json` and
 * `repositories` beside an OCI image layout). Every name is resolved and every blob is checked to
 * be stored before the stream starts, so a bad name fails before a byte is written. Blobs are
 * streamed from the store into the tar as the reader consumes it (never held in memory), each
 * image's layers as stored (compressed), shared blobs once.
 */
export async function saveArchive(
  images: Images,
  names: readonly string[],
  opts: SaveOptions = {},
): Promise<SaveResult> {
  const list = await saveImages(images, names, opts);
  // The signatures kept beside the images go along (their manifests in `index.json`, beside the
  // images'), so that a machine that loads the archive verifies them offline.
  // A multi-platform image's are over its index (what its name resolves to), which goes along.
  const sigs = await savedSignatures(
    images,
    list.flatMap((img) => [img.manifest.digest, ...(img.index ? [img.index.desc.digest] : [])]),
  );
  const blobs: Descriptor[] = [];
  const parts: { id: string; blobs: Descriptor[] }[] = [
    ...list.flatMap((img) => [
      { id: `image ${img.id}`, blobs: [img.parsed.config, ...img.parsed.layers] },
      ...(img.others ?? []).map((o) => ({
        id: `image ${o.parsed.config.digest} (a platform of ${img.id})`,
        blobs: [o.parsed.config, ...o.parsed.layers],
      })),
    ]),
    { id: "the kept signatures", blobs: sigs.blobs },
  ];
  for (const part of parts) {
    for (const d of part.blobs) {
      const info = await images.content.info(d.digest);
      if (info === undefined) {
        throw new WharfError("blob-unknown", `${d.digest} of ${part.id} is not in the local store`, {
          hint: "pull the image again to fetch what is missing",
        });
      }
      if (info.size !== d.size) {
        throw new WharfError(
          "size-invalid",
          `${d.digest} is ${info.size} bytes in the store, not ${d.size}`,
          {
            hint: "the local store is damaged; remove the image and pull it again",
          },
        );
      }
      blobs.push(d);
    }
  }
  const w = archiveWriter("docker");
  const roots: ArchiveRoot[] = list.map((img) => ({
    descriptor: img.manifest,
    manifest: img.parsed,
    diffIds: img.diffIds,
    tags: img.tags,
    platform: img.platform,
    ...(img.index ? { index: img.index.desc.digest } : {}),
    // Several platforms: `index.json` names the index, as Docker's does (manifest.json this one).
    ...(img.index && img.others ? { top: img.index.desc } : {}),
  }));
  (async () => {
    for (const d of blobs) await w.blob(d, () => images.content.read(d.digest));
    for (const img of list) {
      await w.document(img.manifest, img.manifestBytes);
      for (const o of img.others ?? []) await w.document(o.manifest, o.manifestBytes);
      if (img.index) await w.document(img.index.desc, img.index.bytes);
    }
    for (const doc of sigs.documents) await w.document(doc.desc, doc.bytes);
    await w.finish(roots, sigs.entries);
  })().catch((e: unknown) => w.destroy(e));
  return { images: list, stream: w.stream };
}

import type { Bytes, Digest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { discardUnreached, type Images, resolveImage } from "../../images/index.js";
import type { Platform } from "../../oci/index.js";
import { familiarString, parseReference } from "../../reference/index.js";
import { decompressAny } from "../compressed.js";
import { type ArchiveImage, archiveImages, parseIndex } from "./archive-images.js";
import { otherPlatforms } from "./load-platform.js";
import { readArchive } from "./read-archive.js";
import { loadSignatures, signatureEntries } from "./signatures.js";

export interface LoadOptions {
  /** The platform the names run, of a multi-platform archive (OCI or Docker 25+; default: this machine's). */
  platform?: Platform;
}

export interface LoadResult {
  images: ArchiveImage[];
  /** What `docker load` prints, in order: `Loaded image: NAME:TAG`, `Loaded image ID: sha256:...`, renames. */
  lines: string[];
}

/** The image ID a name points at now, if any. */
async function currentId(images: Images, name: string): Promise<Digest | undefined> {
  try {
    const r = await resolveImage(images, name);
    return r.by === "name" ? r.image.id : undefined;
  } catch (e) {
    if (e instanceof WharfError && e.code === "image-not-found") return undefined;
    throw e;
  }
}

/**
 * `docker load`: reads an image archive (a Docker archive, old layout or new; an OCI layout's tar;
 * gzip-, bzip2-, xz- or zstd-compressed or not: `decompressAny`) from a stream in one pass, storing each file as it passes
 * (verified), then records the images it holds under their names. Nothing is recorded unless every
 * image is whole; on any failure the blobs this load added are deleted again, so the store is as it
 * was. After success the archive's files that no image uses are deleted too, and with a platform
 * given, those of the other platforms (Docker's `load --platform` stores that platform alone; the
 * index is kept, as after a pull for one platform).
 */
export async function loadArchive(images: Images, src: Bytes, opts: LoadOptions = {}): Promise<LoadResult> {
  const added = new Set<Digest>();
  let leaveOut: Set<Digest> | undefined;
  try {
    const read = await readArchive(decompressAny(src), images.content, added);
    const list = await archiveImages(read, images.content, added, opts);
    // Signatures the archive carries for these images, checked before any name is recorded and
    // kept beside the images after (`signatures.ts`).
    const index = read.metadata.get("index.json");
    const keepSignatures = await loadSignatures(
      images,
      index ? signatureEntries(parseIndex(index)) : [],
      new Set(list.map((i) => i.target.digest)),
    );
    const lines: string[] = [];
    for (const img of list) {
      const entry = { target: img.target, manifest: img.manifest };
      if (img.names.length === 0) {
        await images.record(entry);
        lines.push(`Loaded image ID: ${img.id}`);
        continue;
      }
      for (const name of img.names) {
        const familiar = familiarString(parseReference(name));
        const old = await currentId(images, name);
        if (old !== undefined && old !== img.id) {
          lines.push(
            `The image ${familiar} already exists, renaming the old one with ID ${old} to empty string`,
          );
        }
        await images.record({ ...entry, name });
        lines.push(`Loaded image: ${familiar}`);
      }
    }
    await keepSignatures();
    if (opts.platform) leaveOut = await otherPlatforms(images.content, list);
    return { images: list, lines };
  } finally {
    await discardUnreached(images, added, leaveOut);
  }
}

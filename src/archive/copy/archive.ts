import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { openFsContentStore } from "../../content/index.js";
import { collect, type Digest, randomHex } from "../../digest/index.js";
import { errnoCode, WharfError } from "../../errors/index.js";
import { removeOnSignal } from "../../files/index.js";
import { DOCUMENT_LIMIT } from "../../images/index.js";
import { type Descriptor, MediaType, parseManifestDocument } from "../../oci/index.js";
import { formatReference, parseReference, withDefaultTag } from "../../reference/index.js";
import { decompressAny } from "../compressed.js";
import { archiveImages } from "../image/archive-images.js";
import { readArchive } from "../image/read-archive.js";
import { isSignatureEntry } from "../image/signatures.js";
import { type ArchiveRoot, archiveWriter } from "../image/write-archive.js";
import { pickEntry } from "./layout.js";
import { entryReferrers, referrerEntries } from "./referrers.js";
import type { CopiedTop, CopyDestination, CopySource } from "./types.js";

async function openFile(file: string) {
  const s = createReadStream(file, { highWaterMark: 1 << 20 });
  await new Promise<void>((resolve, reject) => {
    s.once("open", () => resolve());
    s.once("error", (e) =>
      reject(
        errnoCode(e) === "ENOENT"
          ? new WharfError("not-found", `open ${file}: no such file or directory`)
          : e,
      ),
    );
  });
  return s;
}

/**
 * An archive read as a copy source (`oci-archive:FILE[:REF]`, `docker-archive:FILE[:REF]`): a tar
 * is sequential, so it is read once (as `load` reads it: every file verified) into a temporary
 * store, which then serves the copy; the temporary store goes with `close`.
 */
export async function archiveSource(
  kind: "oci-archive" | "docker-archive",
  file: string,
  ref: string | undefined,
): Promise<CopySource> {
  const dir = await mkdtemp(join(tmpdir(), "wharf-copy-"));
  try {
    const content = await openFsContentStore(dir);
    const read = await readArchive(decompressAny(await openFile(file)), content);
    let root: Descriptor;
    let referrers: CopySource["referrers"];
    if (kind === "oci-archive") {
      const bytes = read.metadata.get("index.json");
      if (!bytes) throw new WharfError("corrupt", `${file} is not an OCI archive (no index.json)`);
      const doc = parseManifestDocument(bytes, MediaType.ociIndex);
      if (doc.kind !== "index") throw new WharfError("corrupt", `${file}: index.json is not an index`);
      const images = doc.index.manifests.filter((d) => !isSignatureEntry(d));
      const { annotations: _a, ...r } = pickEntry(images, ref, file);
      root = r;
      referrers = entryReferrers(doc.index.manifests);
    } else {
      const list = await archiveImages(read, content, new Set<Digest>());
      const want = ref === undefined ? undefined : formatReference(withDefaultTag(parseReference(ref)));
      const hits = want === undefined ? list : list.filter((i) => i.names.includes(want));
      if (hits.length !== 1) {
        throw new WharfError(
          "image-not-found",
          want
            ? `no image named ${ref} in ${file}`
            : `${file} holds ${list.length} images; name one with :NAME:TAG`,
          {
            hint: `its names: ${list.flatMap((i) => i.names).join(", ") || "none"}`,
          },
        );
      }
      // The platform manifest the archive holds (a saved multi-platform image also names its index).
      root = (hits[0] as { manifest: Descriptor }).manifest;
      const bytes = read.metadata.get("index.json");
      const doc = bytes ? parseManifestDocument(bytes, MediaType.ociIndex) : undefined;
      if (doc?.kind === "index") referrers = entryReferrers(doc.index.manifests);
    }
    return {
      root,
      ...(referrers ? { referrers } : {}),
      readDocument: async (d) =>
        (await content.info(d.digest)) ? collect(await content.read(d.digest), DOCUMENT_LIMIT) : undefined,
      openBlob: (d) => content.read(d.digest),
      close: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * An archive as a copy destination: `docker-archive:FILE[:NAME:TAG]` (Docker 25's layout, as `save`
 * writes it; one image manifest) or `oci-archive:FILE[:REF]` (an OCI layout's tar, `ref.name` REF).
 * The tar is written as the copy goes, beside FILE, and renamed into place when it is whole.
 */
export function archiveDestination(
  kind: "oci-archive" | "docker-archive",
  file: string,
  ref: string | undefined,
): CopyDestination {
  const w = archiveWriter(kind === "oci-archive" ? "oci" : "docker");
  const tmp = join(dirname(file), `.${basename(file)}.wharf-${randomHex(6)}`);
  const forget = removeOnSignal(tmp);
  const written = pipeline(w.stream, createWriteStream(tmp, { mode: 0o644 }));
  written.catch(() => undefined);
  return {
    concurrency: 1,
    hasBlob: async () => false,
    putBlob: (d, body) => w.blob(d, async () => body),
    putDocument: (d, bytes) => w.document(d, bytes),
    async finish(top: CopiedTop, _mediaType, referrers) {
      let root: ArchiveRoot;
      if (kind === "oci-archive") root = { descriptor: top.desc, ...(ref ? { refName: ref } : {}) };
      else {
        const doc = parseManifestDocument(top.bytes, top.desc.mediaType);
        if (doc.kind !== "manifest") {
          throw new WharfError("unsupported", "a docker-archive holds one platform's image, not an index", {
            hint: "copy without --all (one platform, --platform to choose it)",
          });
        }
        root = {
          descriptor: top.desc,
          manifest: doc.manifest,
          tags: ref ? [withDefaultTag(parseReference(ref))] : [],
        };
      }
      await w.document(top.desc, top.bytes);
      for (const r of referrers) await w.document(r.desc, r.bytes);
      // Listed in `index.json` as `save` lists signatures (`load` keeps them; a copy reads them back).
      await w.finish([root], referrerEntries(referrers));
      await written;
      await rename(tmp, file);
      forget();
    },
    async close(ok) {
      forget();
      if (ok) return;
      w.destroy(new Error("copy failed"));
      await written.catch(() => undefined);
      await rm(tmp, { force: true });
    },
  };
}

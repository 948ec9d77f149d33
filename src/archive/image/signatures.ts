import { collect, type Digest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import {
  DOCUMENT_LIMIT,
  type Images,
  keepReferrers,
  SIGNATURE_SUBJECT,
  signatureSubject,
  storedReferrers,
} from "../../images/index.js";
import { type Descriptor, type Manifest, parseManifestDocument } from "../../oci/index.js";

/** cosign's `save` marks its index entries with `kind`; a signature manifest's is this one. */
export const KIND = "kind";
export const SIGS_KIND = "dev.cosignproject.cosign/sigs";

/** What `save` adds for the signatures kept beside the saved images. */
export interface SavedSignatures {
  /** `index.json` entries: each signature manifest, with `kind` and the subject it signs. */
  entries: Descriptor[];
  documents: { desc: Descriptor; bytes: Buffer }[];
  /** The signature manifests' config and layers (payloads, GPG messages). */
  blobs: Descriptor[];
}

function corrupt(message: string): WharfError {
  return new WharfError("corrupt", message, {
    hint: "the archive's signatures are damaged; nothing was loaded",
  });
}

function parseSignature(bytes: Buffer, d: Descriptor, where: string): Manifest {
  let doc: ReturnType<typeof parseManifestDocument>;
  try {
    doc = parseManifestDocument(bytes, d.mediaType);
  } catch (e) {
    throw corrupt(`${where} ${d.digest} is not a valid manifest: ${(e as Error).message}`);
  }
  if (doc.kind !== "manifest") throw corrupt(`${where} ${d.digest} is not an image manifest`);
  return doc.manifest;
}

/**
 * The signatures the store keeps for `subjects` (the saved images' manifests), each referrer
 * manifest as it is stored, beside the images in the archive's OCI layout (cosign's `save` writes
 * its `.sig` manifest there the same way, with `kind` `dev.cosignproject.cosign/sigs`).
 */
export async function savedSignatures(images: Images, subjects: readonly Digest[]): Promise<SavedSignatures> {
  const out: SavedSignatures = { entries: [], documents: [], blobs: [] };
  const seen = new Set<Digest>();
  for (const subject of new Set(subjects)) {
    for (const d of await storedReferrers(images, subject)) {
      if (seen.has(d.digest)) continue;
      seen.add(d.digest);
      const bytes = await collect(await images.content.read(d.digest), DOCUMENT_LIMIT);
      const m = parseSignature(bytes, d, "the kept signature");
      const { annotations: _a, ...desc } = d;
      out.documents.push({ desc, bytes });
      out.blobs.push(m.config, ...m.layers);
      out.entries.push({ ...desc, annotations: { [KIND]: SIGS_KIND, [SIGNATURE_SUBJECT]: subject } });
    }
  }
  return out;
}

/** The signature entries of an archive's `index.json` (wharf's: annotated with their subject). */
export function signatureEntries(index: { manifests: Descriptor[] }): Descriptor[] {
  return index.manifests.filter((d) => signatureSubject(d) !== undefined);
}

/**
 * Keeps the signatures an archive carries for the images `load` recorded: each entry's manifest
 * (stored and verified by digest as the archive was read) must name that image as its `subject`,
 * and its config and layers must be stored with their declared sizes. Signatures of images the
 * archive does not hold are ignored. Everything is checked before anything is recorded: the
 * returned function, called once the images are recorded, keeps them (and says how many).
 */
export async function loadSignatures(
  images: Images,
  entries: readonly Descriptor[],
  loaded: ReadonlySet<Digest>,
): Promise<() => Promise<number>> {
  const bySubject = new Map<Digest, Descriptor[]>();
  for (const e of entries) {
    const subject = signatureSubject(e) as Digest;
    if (!loaded.has(subject)) continue;
    const info = await images.content.info(e.digest);
    if (info === undefined) throw corrupt(`the signature manifest ${e.digest} is not in the archive`);
    const m = parseSignature(
      await collect(await images.content.read(e.digest), DOCUMENT_LIMIT),
      e,
      "the signature manifest",
    );
    if (m.subject?.digest !== subject) {
      throw corrupt(`the signature manifest ${e.digest} does not name ${subject} as its subject`);
    }
    for (const b of [m.config, ...m.layers]) {
      if ((await images.content.info(b.digest))?.size !== b.size) {
        throw corrupt(`${b.digest} of the signature manifest ${e.digest} is not in the archive`);
      }
    }
    bySubject.set(subject, [...(bySubject.get(subject) ?? []), e]);
  }
  return async () => {
    let kept = 0;
    for (const [subject, list] of bySubject) kept += await keepReferrers(images, subject, list);
    return kept;
  };
}

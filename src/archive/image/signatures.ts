import { collect, type Digest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import {
  COSIGN_SIGNATURE_ANNOTATION,
  DOCUMENT_LIMIT,
  type Images,
  keepReferrers,
  keepSignatures,
  type NewSignature,
  SIGNATURE_SUBJECT,
  SIMPLESIGNING_LAYER_TYPE,
  signatureSubject,
  storedReferrers,
} from "../../images/index.js";
import { type Descriptor, type Manifest, parseManifestDocument } from "../../oci/index.js";
import { IMAGE_INDEX } from "./write-archive.js";

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

const COSIGN_IMAGE_KINDS = ["dev.cosignproject.cosign/image", "dev.cosignproject.cosign/imageIndex"];
const COSIGN_OTHER_KINDS = [SIGS_KIND, "dev.cosignproject.cosign/atts", "dev.cosignproject.cosign/sboms"];
const kindOf = (d: Descriptor): string => d.annotations?.[KIND] ?? "";

/** Entries of an archive's `index.json` that are not images: wharf's signatures, cosign's sigs, atts, sboms. */
export function isSignatureEntry(d: Descriptor): boolean {
  return signatureSubject(d) !== undefined || COSIGN_OTHER_KINDS.includes(kindOf(d));
}

/** A signature entry of an archive and the image it signs. */
export interface ArchiveSignature {
  entry: Descriptor;
  /** The digest signed: an image entry's, or the index one names with `IMAGE_INDEX`. */
  subject: Digest;
  /** The image's `index.json` entry. */
  image: Descriptor;
  /** wharf's referrer manifests, or cosign's `save` form: its `.sig` attachment manifest. */
  form: "referrer" | "attachment";
}

/**
 * The signature entries of an archive's `index.json`: wharf's (annotated with their subject, which
 * must be an entry of the same index or the index such an entry names with `IMAGE_INDEX`: a
 * multi-platform image saved as one platform), and cosign's `save` layout (`kind`
 * `dev.cosignproject.cosign/sigs` beside exactly one `.../image` or `.../imageIndex` entry).
 */
export function signatureEntries(index: { manifests: Descriptor[] }): ArchiveSignature[] {
  const out: ArchiveSignature[] = [];
  const cosignImages = index.manifests.filter((d) => COSIGN_IMAGE_KINDS.includes(kindOf(d)));
  for (const entry of index.manifests) {
    const s = signatureSubject(entry);
    const image = s
      ? index.manifests.find(
          (d) => !isSignatureEntry(d) && (d.digest === s || d.annotations?.[IMAGE_INDEX] === s),
        )
      : undefined;
    if (s && image) out.push({ entry, subject: s, image, form: "referrer" });
    else if (s === undefined && kindOf(entry) === SIGS_KIND && cosignImages.length === 1) {
      const image = cosignImages[0] as Descriptor;
      out.push({ entry, subject: image.digest, image, form: "attachment" });
    }
  }
  return out;
}

/** The sigstore signatures of cosign's attachment manifest, each payload stored with its size. */
async function attachmentSignatures(images: Images, m: Manifest, where: string): Promise<NewSignature[]> {
  const out: NewSignature[] = [];
  for (const l of m.layers) {
    const signature = l.annotations?.[COSIGN_SIGNATURE_ANNOTATION];
    if (l.mediaType !== SIMPLESIGNING_LAYER_TYPE || signature === undefined) continue;
    if ((await images.content.info(l.digest))?.size !== l.size) {
      throw corrupt(`${l.digest} of ${where} is not in the archive`);
    }
    const { [COSIGN_SIGNATURE_ANNOTATION]: _s, ...annotations } = l.annotations ?? {};
    const payload = await collect(await images.content.read(l.digest), DOCUMENT_LIMIT);
    out.push({ kind: "sigstore", payload, signature, annotations });
  }
  return out;
}

/**
 * Keeps the signatures an archive carries for the images `load` recorded. wharf's: each entry's
 * manifest (stored and verified by digest as the archive was read) must name that image as its
 * `subject`, its config and layers stored with their declared sizes; it is kept as it is. cosign's
 * attachment: each signature layer becomes one of wharf's referrer manifests (`keepSignatures`).
 * Signatures of images the archive does not hold are ignored. Everything is checked before
 * anything is recorded: the returned function, called once the images are recorded, keeps them
 * (and says how many).
 */
export async function loadSignatures(
  images: Images,
  sigs: readonly ArchiveSignature[],
  loaded: ReadonlySet<Digest>,
): Promise<() => Promise<number>> {
  const referrers = new Map<Digest, Descriptor[]>();
  const made: { subject: Descriptor; sigs: NewSignature[] }[] = [];
  for (const { entry: e, subject, image: s, form } of sigs) {
    if (!loaded.has(subject)) continue;
    const info = await images.content.info(e.digest);
    if (info === undefined) throw corrupt(`the signature manifest ${e.digest} is not in the archive`);
    const m = parseSignature(
      await collect(await images.content.read(e.digest), DOCUMENT_LIMIT),
      e,
      "the signature manifest",
    );
    if (form === "attachment") {
      const { annotations: _a, platform: _p, ...target } = s;
      made.push({ subject: target, sigs: await attachmentSignatures(images, m, `cosign's ${e.digest}`) });
      continue;
    }
    if (m.subject?.digest !== subject) {
      throw corrupt(`the signature manifest ${e.digest} does not name ${subject} as its subject`);
    }
    for (const b of [m.config, ...m.layers]) {
      if ((await images.content.info(b.digest))?.size !== b.size) {
        throw corrupt(`${b.digest} of the signature manifest ${e.digest} is not in the archive`);
      }
    }
    referrers.set(subject, [...(referrers.get(subject) ?? []), e]);
  }
  return async () => {
    let kept = 0;
    for (const [subject, list] of referrers) kept += await keepReferrers(images, subject, list);
    for (const m of made) kept += await keepSignatures(images, m.subject, m.sigs);
    return kept;
  };
}

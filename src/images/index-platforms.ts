import type { ContentStore } from "../content/index.js";
import type { Digest } from "../digest/index.js";
import {
  type Descriptor,
  isIndexMediaType,
  isManifestMediaType,
  type Manifest,
  type Platform,
  parseManifestDocument,
  platformScore,
} from "../oci/index.js";
import { readDocument } from "./documents.js";

/** BuildKit's annotation on an index entry that is an attestation, not a platform's image. */
const REFERENCE_TYPE = "vnd.docker.reference.type";

/** One platform's image manifest listed in an index, and how much of it is stored here. */
export interface IndexPlatform {
  /** The index's descriptor of the manifest (its digest is the platform's ID in `images --tree`). */
  descriptor: Descriptor;
  platform: Platform;
  /** The manifest itself is stored. */
  present: boolean;
  /** The manifest, its config and every layer are stored: the platform's image can be used. */
  available: boolean;
  /** The parsed manifest, when it is stored. */
  manifest?: Manifest;
  /** The platform's image ID (its config digest), when the manifest is stored. */
  id?: Digest;
  /** Bytes of the stored manifest, config and layers when `available`, else 0. */
  contentSize: number;
}

async function stored(content: ContentStore, d: Digest): Promise<boolean> {
  return (await content.info(d)) !== undefined;
}

/** True for an index entry that is an attestation (BuildKit's `unknown/unknown` manifests). */
function isAttestation(d: Descriptor): boolean {
  return d.annotations?.[REFERENCE_TYPE] === "attestation-manifest" || d.platform?.os === "unknown";
}

/**
 * The image manifests of the index `index` in its order (nested indexes that are stored walked in
 * place), attestations left out, each with what of it is stored. Manifests listed without a
 * platform are left out too: no platform names them.
 */
export async function indexPlatforms(content: ContentStore, index: Descriptor): Promise<IndexPlatform[]> {
  const out: IndexPlatform[] = [];
  const seen = new Set<Digest>();
  const visit = async (d: Descriptor): Promise<void> => {
    if (seen.has(d.digest)) return;
    seen.add(d.digest);
    if (!(await stored(content, d.digest))) return;
    const doc = parseManifestDocument(await readDocument(content, d.digest), d.mediaType);
    if (doc.kind !== "index") return;
    for (const child of doc.index.manifests) {
      if (isIndexMediaType(child.mediaType)) await visit(child);
      else if (isManifestMediaType(child.mediaType) && child.platform && !isAttestation(child))
        out.push(await platformOf(content, child, child.platform));
    }
  };
  await visit(index);
  return out;
}

async function platformOf(content: ContentStore, d: Descriptor, platform: Platform): Promise<IndexPlatform> {
  const absent: IndexPlatform = { descriptor: d, platform, present: false, available: false, contentSize: 0 };
  if (!(await stored(content, d.digest))) return absent;
  const bytes = await readDocument(content, d.digest);
  const doc = parseManifestDocument(bytes, d.mediaType);
  if (doc.kind !== "manifest") return absent;
  const blobs = [doc.manifest.config, ...doc.manifest.layers];
  let available = true;
  for (const b of blobs) if (!(await stored(content, b.digest))) available = false;
  const contentSize = available ? bytes.byteLength + blobs.reduce((n, b) => n + b.size, 0) : 0;
  return {
    descriptor: d,
    platform,
    present: true,
    available,
    manifest: doc.manifest,
    id: doc.manifest.config.digest,
    contentSize,
  };
}

/**
 * containerd's `platforms.OnlyStrict`: the same OS, architecture and variant once normalised
 * (`linux/arm64` is `linux/arm64/v8`), no older compatible variant.
 */
export function strictPlatformMatch(want: Platform, have: Platform): boolean {
  return platformScore(want, have) === 0;
}

import { type Digest, isDigest } from "../../digest/index.js";

/** What a stored manifest document names, read without validating it (another registry may have written it). */
export interface References {
  /** Config and layers without `urls`, or a schema 1 manifest's layers: blobs the repository must hold. */
  blobs: Digest[];
  /** Layers with `urls` (foreign layers): not the registry's. */
  foreign: Digest[];
  /** An index's (manifest list's) children. */
  manifests: Digest[];
  subject?: Digest;
}

const digestIn = (d: unknown): Digest | undefined => {
  if (typeof d !== "object" || d === null) return undefined;
  const v = (d as { digest?: unknown }).digest;
  return typeof v === "string" && isDigest(v) ? v : undefined;
};

/** The references of a manifest, index or schema 1 document; none when it is not JSON. */
export function referencesOf(body: Uint8Array): References {
  const out: References = { blobs: [], foreign: [], manifests: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch {
    return out;
  }
  if (typeof doc !== "object" || doc === null) return out;
  const { config, layers, manifests, fsLayers, subject } = doc as Record<string, unknown>;
  const config_ = digestIn(config);
  if (config_) out.blobs.push(config_);
  for (const l of Array.isArray(layers) ? layers : []) {
    const d = digestIn(l);
    if (!d) continue;
    const urls = (l as { urls?: unknown }).urls;
    (Array.isArray(urls) && urls.length > 0 ? out.foreign : out.blobs).push(d);
  }
  for (const m of Array.isArray(manifests) ? manifests : []) {
    const d = digestIn(m);
    if (d) out.manifests.push(d);
  }
  for (const l of Array.isArray(fsLayers) ? fsLayers : []) {
    const d = typeof l === "object" && l !== null ? (l as { blobSum?: unknown }).blobSum : undefined;
    if (typeof d === "string" && isDigest(d)) out.blobs.push(d);
  }
  const s = digestIn(subject);
  if (s) out.subject = s;
  return out;
}

/**
 * The digests Distribution's garbage collection marks for a manifest (its `References()`): config
 * and every layer (foreign ones too), an index's children, a schema 1 manifest's layers, in the
 * document's order.
 */
export function markedBy(body: Uint8Array): Digest[] {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch {
    return [];
  }
  if (typeof doc !== "object" || doc === null) return [];
  const { config, layers, manifests, fsLayers } = doc as Record<string, unknown>;
  const out: Digest[] = [];
  const c = digestIn(config);
  if (c) out.push(c);
  for (const l of Array.isArray(layers) ? layers : []) {
    const d = digestIn(l);
    if (d) out.push(d);
  }
  for (const m of Array.isArray(manifests) ? manifests : []) {
    const d = digestIn(m);
    if (d) out.push(d);
  }
  for (const l of Array.isArray(fsLayers) ? fsLayers : []) {
    const d = typeof l === "object" && l !== null ? (l as { blobSum?: unknown }).blobSum : undefined;
    if (typeof d === "string" && isDigest(d)) out.push(d);
  }
  return out;
}

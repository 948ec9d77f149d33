import type { ContentStore } from "../content/types.js";
import { collect, type Digest, shortHex } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import {
  type Descriptor,
  isIndexMediaType,
  isManifestMediaType,
  type ManifestDocument,
  parseManifestDocument,
} from "../oci/index.js";
import { formatReference, parseReference, type Reference, withDefaultTag } from "../reference/index.js";
import { statBlob, uploadBlob } from "./blobs.js";
import { headManifest, MANIFEST_LIMIT, pushScope, putManifest, type Repository } from "./manifests.js";
import { type BlobRole, mapLimit, type ProgressListener } from "./progress.js";
import type { ImageRecorder } from "./records.js";
import { createTransport, type Transport, type TransportOptions } from "./transport.js";

export interface PushOptions {
  store: ContentStore;
  /** Finds the local image by name, and records the repo digest after the push. */
  images: ImageRecorder;
  onProgress?: ProgressListener;
  /** Blobs uploaded at once (default 5, as Docker's). */
  concurrency?: number;
  /**
   * A repository of the same registry known to hold a blob (`library/base`), to mount it from
   * instead of uploading. Wrong guesses cost one request: the registry then takes an upload.
   */
  mountFrom?: (digest: Digest) => string | undefined | Promise<string | undefined>;
  via?: Transport;
  transport?: TransportOptions;
}

export interface PushResult {
  reference: Reference;
  /** The tag pushed (Docker prints `TAG: digest: sha256:... size: N`). */
  tag: string | undefined;
  digest: Digest;
  size: number;
  mediaType: string;
}

interface LocalDoc {
  desc: Descriptor;
  bytes: Buffer;
  doc: ManifestDocument;
}

async function readDoc(store: ContentStore, desc: Descriptor): Promise<LocalDoc> {
  const bytes = await collect(await store.read(desc.digest), MANIFEST_LIMIT);
  return { desc, bytes, doc: parseManifestDocument(bytes, desc.mediaType) };
}

/**
 * Pushes a local image: every blob the registry lacks (HEAD first; a cross-repository mount when a
 * source is known; else one streamed upload), then the manifests (an index's children by digest,
 * then the top one under the tag). Returns the digest and size of what the tag now names.
 */
export async function push(ref: string | Reference, opts: PushOptions): Promise<PushResult> {
  const reference = withDefaultTag(typeof ref === "string" ? parseReference(ref) : ref);
  const name = formatReference(reference);
  const top = await opts.images.lookup(name);
  if (!top) {
    throw new WharfError("image-not-found", `An image does not exist locally with the tag: ${name}`, {
      hint: `tag an image with that name first: wharf tag IMAGE ${name}`,
    });
  }
  const transport = opts.via ?? createTransport(reference.domain, opts.transport);
  try {
    const repo: Repository = { transport, path: reference.path };
    const topDoc = await readDoc(opts.store, top);
    const manifests = await childManifests(repo, opts.store, topDoc);
    await pushBlobs(repo, manifests, opts);
    for (const m of manifests) {
      if (m !== topDoc)
        await putManifest(repo, m.desc.digest, { bytes: m.bytes, mediaType: m.doc.mediaType });
    }
    const at = reference.tag ?? reference.digest ?? top.digest;
    opts.onProgress?.({ type: "resolved", reference: name, digest: top.digest, mediaType: top.mediaType });
    const digest = await putManifest(repo, at, { bytes: topDoc.bytes, mediaType: topDoc.doc.mediaType });
    await opts.images.record({
      name,
      target: top,
      manifest: manifests[0]?.desc ?? top,
      repoDigest: `${reference.domain}/${reference.path}@${digest}`,
    });
    return {
      reference,
      tag: reference.tag,
      digest,
      size: topDoc.bytes.byteLength,
      mediaType: topDoc.doc.mediaType,
    };
  } finally {
    if (!opts.via) transport.close();
  }
}

/** The image manifests to push: the document itself, or an index's children that are stored here. */
async function childManifests(repo: Repository, store: ContentStore, top: LocalDoc): Promise<LocalDoc[]> {
  if (top.doc.kind === "manifest") return [top];
  const out: LocalDoc[] = [];
  for (const d of top.doc.index.manifests) {
    if (!isManifestMediaType(d.mediaType) && !isIndexMediaType(d.mediaType)) continue;
    if (await store.info(d.digest)) {
      const child = await readDoc(store, d);
      out.push(...(await childManifests(repo, store, child)));
    } else if (!(await headManifest(repo, d.digest, [pushScope(repo.path)]))) {
      const p = d.platform ? `${d.platform.os}/${d.platform.architecture}` : d.digest;
      throw new WharfError(
        "blob-unknown",
        `the image is incomplete: the manifest for ${p} is not stored locally`,
        {
          hint: "pull every platform of the image (or push a single-platform image) first",
        },
      );
    }
  }
  return [...out, top];
}

async function pushBlobs(repo: Repository, manifests: LocalDoc[], opts: PushOptions): Promise<void> {
  const blobs = new Map<string, { desc: Descriptor; role: BlobRole }>();
  for (const m of manifests) {
    if (m.doc.kind !== "manifest") continue;
    for (const l of m.doc.manifest.layers)
      if (!blobs.has(l.digest)) blobs.set(l.digest, { desc: l, role: "layer" });
    const c = m.doc.manifest.config;
    if (!blobs.has(c.digest)) blobs.set(c.digest, { desc: c, role: "config" });
  }
  const emit = (
    desc: Descriptor,
    role: BlobRole,
    state: "waiting" | "uploading" | "pushed" | "exists" | "mounted",
    current: number,
    from?: string,
  ) =>
    opts.onProgress?.({
      type: "blob",
      id: shortHex(desc.digest),
      digest: desc.digest,
      role,
      state,
      current,
      total: desc.size,
      ...(from ? { from } : {}),
    });
  const list = [...blobs.values()];
  for (const { desc, role } of list) emit(desc, role, "waiting", 0);
  await mapLimit(list, Math.max(1, opts.concurrency ?? 5), async ({ desc, role }) => {
    const scopes = [pushScope(repo.path)];
    if ((await statBlob(repo, desc.digest, scopes)) !== undefined) {
      emit(desc, role, "exists", desc.size);
      return;
    }
    if (!(await opts.store.info(desc.digest))) {
      if (desc.urls?.length) return; // a foreign layer: the registry does not need it
      throw new WharfError("blob-unknown", `the image is incomplete: ${desc.digest} is not stored locally`, {
        hint: "pull the image again to fetch what is missing",
      });
    }
    const from = await opts.mountFrom?.(desc.digest);
    let shown = 0;
    const outcome = await uploadBlob(repo, desc, () => opts.store.read(desc.digest), {
      ...(from && from !== repo.path ? { mountFrom: from } : {}),
      onBytes: (sent) => {
        // Progress at most every 1 MiB (and at the end): enough for a bar, cheap for a big layer.
        if (sent - shown >= 1 << 20 || sent === desc.size) {
          shown = sent;
          emit(desc, role, "uploading", sent);
        }
      },
    });
    if (outcome.how === "mounted") emit(desc, role, "mounted", desc.size, outcome.from);
    else emit(desc, role, "pushed", desc.size);
  });
}

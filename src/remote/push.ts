import type { ContentStore } from "../content/types.js";
import { collect, type Digest, shortHex } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { platformManifest } from "../images/index.js";
import { type Descriptor, type ManifestDocument, type Platform, walkGraph } from "../oci/index.js";
import {
  familiarString,
  formatReference,
  parseReference,
  type Reference,
  withDefaultTag,
} from "../reference/index.js";
import { statBlob, uploadBlob } from "./blobs.js";
import { headManifest, MANIFEST_LIMIT, pushScope, putManifest, type Repository } from "./manifests.js";
import type { BlobRole, ProgressListener } from "./progress.js";
import type { ImageRecorder } from "./records.js";
import { createTransport, type Transport, type TransportOptions } from "./transport.js";
import { eachUpload } from "./turns.js";

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
  /**
   * `--platform`: push that platform's image of a multi-platform one as a single-platform image
   * (the index is not pushed, the local name is left as it is); a single-platform image must be of it.
   */
  platform?: Platform;
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
  bytes: Uint8Array;
  doc: ManifestDocument;
}

interface Plan {
  /** The documents to put, children before the indexes that name them; the top one last. */
  docs: LocalDoc[];
  /** Configs and layers, each once. */
  blobs: { desc: Descriptor; role: BlobRole }[];
}

async function readLocal(store: ContentStore, d: Descriptor): Promise<Uint8Array | undefined> {
  if ((await store.info(d.digest)) === undefined) return undefined;
  return collect(await store.read(d.digest), MANIFEST_LIMIT);
}

/**
 * What to push, by one walk of the local graph (`walkGraph`): a manifest child of an index that is
 * not stored here must already be on the registry (it is then not descended into); foreign layers
 * are skipped, as Docker skips them: their bytes live at their URLs and registries do not ask for them.
 */
async function plan(repo: Repository, store: ContentStore, top: Descriptor): Promise<Plan> {
  const docs: LocalDoc[] = [];
  const blobs: Plan["blobs"] = [];
  const walk = walkGraph([top], (d) => readLocal(store, d), { missing: "visit", foreign: "skip" });
  for await (const n of walk) {
    if (n.document && n.bytes) docs.push({ desc: n.descriptor, bytes: n.bytes, doc: n.document });
    else if (n.role === "config" || n.role === "layer") blobs.push({ desc: n.descriptor, role: n.role });
    else if (n.missing && n.depth === 0) {
      throw new WharfError(
        "blob-unknown",
        `the image's ${n.role} ${n.descriptor.digest} is not stored locally`,
        {
          hint: "pull the image again to fetch what is missing",
        },
      );
    } else if (n.missing && !(await headManifest(repo, n.descriptor.digest, [pushScope(repo.path)]))) {
      const p = n.descriptor.platform;
      throw new WharfError(
        "blob-unknown",
        `the image is incomplete: the manifest for ${p ? `${p.os}/${p.architecture}` : n.descriptor.digest} is not stored locally`,
        { hint: "pull every platform of the image (or push a single-platform image) first" },
      );
    }
  }
  return { docs: docs.reverse(), blobs };
}

/**
 * Pushes a local image: every blob the registry lacks (HEAD first; a cross-repository mount when a
 * source is known; else one streamed upload), then the manifests (an index's children by digest,
 * then the top one under the tag). Returns the digest and size of what the tag now names.
 */
export async function push(ref: string | Reference, opts: PushOptions): Promise<PushResult> {
  const reference = withDefaultTag(typeof ref === "string" ? parseReference(ref) : ref);
  const name = formatReference(reference);
  const named = await opts.images.lookup(name);
  if (!named) {
    throw new WharfError("image-not-found", `An image does not exist locally with the tag: ${name}`, {
      hint: `tag an image with that name first: wharf tag IMAGE ${name}`,
    });
  }
  const top = opts.platform
    ? await platformManifest(opts.store, named, opts.platform, familiarString(reference))
    : named;
  const transport = opts.via ?? createTransport(reference.domain, opts.transport);
  try {
    const repo: Repository = { transport, path: reference.path };
    const { docs, blobs } = await plan(repo, opts.store, top);
    const topDoc = docs.at(-1) as LocalDoc;
    await pushBlobs(repo, blobs, opts);
    for (const m of docs) {
      if (m !== topDoc)
        await putManifest(repo, m.desc.digest, { bytes: m.bytes, mediaType: m.doc.mediaType });
    }
    const at = reference.tag ?? reference.digest ?? top.digest;
    opts.onProgress?.({ type: "resolved", reference: name, digest: top.digest, mediaType: top.mediaType });
    const digest = await putManifest(repo, at, { bytes: topDoc.bytes, mediaType: topDoc.doc.mediaType });
    // No manifest: the name keeps the platform manifest it has (an index names several). One
    // platform pushed out of an index leaves the local name as it was.
    if (!opts.platform) {
      await opts.images.record({
        name,
        target: top,
        repoDigest: `${reference.domain}/${reference.path}@${digest}`,
      });
    }
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

async function pushBlobs(repo: Repository, list: Plan["blobs"], opts: PushOptions): Promise<void> {
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
  for (const { desc, role } of list) emit(desc, role, "waiting", 0);
  // `concurrency` uploads at once, all sending bytes (`turns.ts`); each gives its place to the next
  // blob with its last byte, before the registry answers. `image copy` lets only two big blobs'
  // bytes flow and opens the others' sessions meanwhile; for push that measured faster into
  // Distribution on loopback (1.93 vs 2.10 s for 1 GiB) but slower into wharf's registry (1.40 vs
  // 1.34 s), and Docker's five streams at once serve a distant registry better than two.
  const n = Math.max(1, opts.concurrency ?? 5);
  await eachUpload(
    list,
    { flows: n, started: n, big: () => true },
    async ({ desc, role }, { sent, signal }) => {
      const scopes = [pushScope(repo.path)];
      if ((await statBlob(repo, desc.digest, scopes)) !== undefined) {
        emit(desc, role, "exists", desc.size);
        return;
      }
      if (!(await opts.store.info(desc.digest))) {
        throw new WharfError(
          "blob-unknown",
          `the image is incomplete: ${desc.digest} is not stored locally`,
          {
            hint: "pull the image again to fetch what is missing",
          },
        );
      }
      const from = await opts.mountFrom?.(desc.digest);
      let shown = 0;
      const outcome = await uploadBlob(repo, desc, () => opts.store.read(desc.digest), {
        ...(from && from !== repo.path ? { mountFrom: from } : {}),
        signal,
        onBytes: (bytes) => {
          if (bytes === desc.size) sent();
          // Progress at most every 1 MiB (and at the end): enough for a bar, cheap for a big layer.
          if (bytes - shown >= 1 << 20 || bytes === desc.size) {
            shown = bytes;
            emit(desc, role, "uploading", bytes);
          }
        },
      });
      if (outcome.how === "mounted") emit(desc, role, "mounted", desc.size, outcome.from);
      else emit(desc, role, "pushed", desc.size);
    },
  );
}

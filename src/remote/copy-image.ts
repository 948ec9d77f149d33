import type { Digest } from "../digest/index.js";
import { shortHex } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { type Descriptor, isIndexMediaType, type Platform, type WalkNode, walkGraph } from "../oci/index.js";
import { formatReference, parseReference, type Reference, withDefaultTag } from "../reference/index.js";
import { fetchBlob, openBlob, statBlob, uploadBlob } from "./blobs.js";
import { listReferrers } from "./lists.js";
import {
  descriptorOf,
  type FetchedManifest,
  fetchManifest,
  pushScope,
  putManifest,
  type Repository,
} from "./manifests.js";
import { type BlobRole, mapLimit, type ProgressListener } from "./progress.js";
import type { PullOptions } from "./pull.js";
import { resolveImage } from "./resolve.js";
import { createTransport, type TransportOptions } from "./transport.js";

export interface CopyImageOptions {
  /** Every platform of an index (the index itself is copied); default: only `platform`'s manifest. */
  all?: boolean;
  /** The platform to copy from an index when not `all` (default: this machine's). */
  platform?: Platform;
  /** Copy the manifests whose `subject` is a copied manifest too (signatures, SBOMs), recursively. */
  referrers?: boolean;
  /** How to reach each end (credentials, insecure registries, ...). */
  source?: TransportOptions;
  destination?: TransportOptions;
  /** Blobs copied at once (default 5). */
  concurrency?: number;
  /**
   * Hash each blob here too as it passes (default false): the destination registry computes the
   * digest of what it receives and refuses a mismatch (the upload's `?digest=`), so the bytes are
   * verified either way; hashing them twice costs a core on a 1 GiB copy. Sizes are always bounded here.
   */
  verify?: boolean;
  /**
   * Signature verification of the source (trust's policy, through the CLI's `imageVerifier`): called
   * once the source's top manifest is fetched and before anything is copied; it throws to refuse.
   */
  verifySource?: PullOptions["verify"];
  onProgress?: ProgressListener;
}

export interface CopyImageResult {
  /** Where the image now is (the destination, with its tag). */
  reference: Reference;
  /** The digest, media type and size of what the destination tag names. */
  digest: Digest;
  mediaType: string;
  size: number;
}

interface Doc {
  desc: Descriptor;
  bytes: Uint8Array;
  mediaType: string;
  /** Reached through the referrers API (put after the image it refers to). */
  referrer: boolean;
}

const underReferrer = (n: WalkNode): boolean => {
  for (let p: WalkNode | undefined = n; p; p = p.parent) if (p.referrer) return true;
  return false;
};

/**
 * Copies an image from one registry repository to another without a local store: one walk of the
 * source's descriptor graph (`walkGraph`), each blob the destination lacks streamed once from the
 * source into the upload (verified on the way by digest and size; a cross-repository mount instead
 * when both are on one registry), then the documents, children before the indexes that name them,
 * the top one under the destination's tag (or digest). Foreign layers are not copied, as Docker does not push them.
 */
export async function copyImage(
  src: string | Reference,
  dest: string | Reference,
  opts: CopyImageOptions = {},
): Promise<CopyImageResult> {
  const from = withDefaultTag(typeof src === "string" ? parseReference(src) : src);
  const to = withDefaultTag(typeof dest === "string" ? parseReference(dest) : dest);
  const srcT = createTransport(from.domain, opts.source);
  const sameRegistry = from.domain === to.domain;
  const destT = createTransport(to.domain, opts.destination);
  try {
    const srcRepo: Repository = { transport: srcT, path: from.path };
    const destRepo: Repository = { transport: destT, path: to.path };
    const fetched = new Map<Digest, FetchedManifest>();
    const read = async (d: Descriptor) => {
      const f = fetched.get(d.digest) ?? (await fetchManifest(srcRepo, d.digest));
      fetched.set(d.digest, f);
      return f.bytes;
    };
    const top = await fetchManifest(srcRepo, (from.digest ?? from.tag) as string);
    fetched.set(top.digest, top);
    let root = descriptorOf(top);
    await opts.verifySource?.({ top: root, image: root, reference: from, repo: srcRepo });
    if (!opts.all && isIndexMediaType(top.mediaType)) {
      const r = await resolveImage(srcRepo, top.digest, opts.platform ? { platform: opts.platform } : {});
      fetched.set(r.image.digest, r.image);
      root = descriptorOf(r.image);
    }
    const docs: Doc[] = [];
    const blobs: { desc: Descriptor; role: BlobRole }[] = [];
    const walk = walkGraph([root], read, {
      foreign: "skip",
      ...(opts.referrers ? { referrers: (d: Descriptor) => listReferrers(srcRepo, d.digest) } : {}),
    });
    for await (const n of walk) {
      if (n.bytes && n.document) {
        docs.push({
          desc: n.descriptor,
          bytes: n.bytes,
          mediaType: n.document.mediaType,
          referrer: underReferrer(n),
        });
      } else if (n.role === "config" || n.role === "layer" || n.role === "blob") {
        blobs.push({ desc: n.descriptor, role: n.role === "config" ? "config" : "layer" });
      }
    }
    await copyBlobs(srcRepo, destRepo, blobs, { ...opts, mount: sameRegistry });
    // Children first: the walk visits a document before what it names, so reversed order puts them first.
    const rootDoc = docs[0] as Doc;
    const ordered = [
      ...docs.filter((d) => !d.referrer).reverse(),
      ...docs.filter((d) => d.referrer).reverse(),
    ];
    for (const d of ordered) {
      if (d === rootDoc) continue;
      if (!d.referrer) await putManifest(destRepo, d.desc.digest, d);
    }
    const at = to.digest ?? (to.tag as string);
    const digest = await putManifest(destRepo, at, rootDoc);
    opts.onProgress?.({
      type: "resolved",
      reference: formatReference(to),
      digest,
      mediaType: rootDoc.mediaType,
    });
    for (const d of ordered) if (d.referrer) await putManifest(destRepo, d.desc.digest, d);
    return { reference: to, digest, mediaType: rootDoc.mediaType, size: rootDoc.bytes.byteLength };
  } finally {
    srcT.close();
    destT.close();
  }
}

async function copyBlobs(
  src: Repository,
  dest: Repository,
  list: { desc: Descriptor; role: BlobRole }[],
  opts: CopyImageOptions & { mount: boolean },
): Promise<void> {
  const emit = (desc: Descriptor, role: BlobRole, state: "exists" | "pushed" | "mounted", from?: string) =>
    opts.onProgress?.({
      type: "blob",
      id: shortHex(desc.digest),
      digest: desc.digest,
      role,
      state,
      current: desc.size,
      total: desc.size,
      ...(from ? { from } : {}),
    });
  await mapLimit(list, Math.max(1, opts.concurrency ?? 5), async ({ desc, role }) => {
    if ((await statBlob(dest, desc.digest, [pushScope(dest.path)])) !== undefined) {
      emit(desc, role, "exists");
      return;
    }
    const outcome = await uploadBlob(
      dest,
      desc,
      () => (opts.verify ? fetchBlob(src, desc) : sizedBlob(src, desc)),
      {
        ...(opts.mount && src.path !== dest.path ? { mountFrom: src.path } : {}),
      },
    );
    if (outcome.how === "mounted") emit(desc, role, "mounted", outcome.from);
    else emit(desc, role, "pushed");
  });
}

/** A blob's bytes, failing as soon as they pass its size and at the end when short (not hashed). */
async function* sizedBlob(src: Repository, desc: Descriptor): AsyncGenerator<Uint8Array> {
  const blob = await openBlob(src, desc.digest);
  let n = 0;
  try {
    for await (const chunk of blob.body) {
      n += chunk.byteLength;
      if (n > desc.size)
        throw new WharfError("size-invalid", `${desc.digest}: the source sent more than ${desc.size} bytes`);
      yield chunk;
    }
  } finally {
    blob.discard();
  }
  if (n !== desc.size)
    throw new WharfError("size-invalid", `${desc.digest}: the source sent ${n} bytes, not ${desc.size}`);
}

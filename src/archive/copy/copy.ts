import { bytesOf, type Digest, verifying } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import {
  type Descriptor,
  formatPlatform,
  hostPlatform,
  isIndexMediaType,
  type Platform,
  selectPlatform,
  type WalkNode,
  walkGraph,
} from "../../oci/index.js";
import { attachedAsReferrers, withSubject } from "./referrers.js";
import type { CopiedTop, CopyDestination, CopySource, ReferrerDoc } from "./types.js";

export interface CopyLoopOptions {
  /** Every platform of an index (the index itself is copied); default: one platform's manifest. */
  all?: boolean;
  /** The platform to copy from an index (default: what the source chose, else this machine's). */
  platform?: Platform;
  /** Copy the manifests that refer to a copied one (signatures, SBOMs), when the source lists them. */
  referrers?: boolean;
}

export interface CopyLoopResult {
  /** The top document copied: an image manifest, or an index with `all`. */
  digest: Digest;
  mediaType: string;
  size: number;
}

interface Doc {
  desc: Descriptor;
  bytes: Uint8Array;
  mediaType: string;
  referrer: boolean;
}

const underReferrer = (n: WalkNode): boolean => {
  for (let p: WalkNode | undefined = n; p; p = p.parent) if (p.referrer) return true;
  return false;
};

/** The manifest to copy from an index: the platform asked for, else the source's choice, else this machine's. */
async function chooseManifest(src: CopySource, opts: CopyLoopOptions): Promise<Descriptor> {
  const want = opts.platform ?? hostPlatform();
  let chosen: Descriptor | undefined;
  let offered: string[] = [];
  const walk = walkGraph([src.root], src.readDocument, {
    missing: "skip",
    select: (entries) => {
      offered = entries.flatMap((e) => (e.platform ? [formatPlatform(e.platform)] : []));
      const preferred = opts.platform ? undefined : entries.find((e) => e.digest === src.preferred);
      const hit = preferred ?? selectPlatform(entries, want);
      return hit ? [hit] : entries.filter((e) => isIndexMediaType(e.mediaType) && !e.platform);
    },
  });
  for await (const n of walk) if (n.role === "manifest" && !chosen) chosen = n.descriptor;
  if (!chosen) {
    throw new WharfError("platform-mismatch", `no manifest for ${formatPlatform(want)} in the index`, {
      hint: offered.length
        ? `available platforms: ${offered.join(", ")}; choose one with --platform, or copy --all`
        : "copy it with --all",
    });
  }
  const { platform: _p, annotations: _a, ...m } = chosen;
  return m;
}

async function limit<T>(items: readonly T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
}

/**
 * The one copy loop of `image copy` between any source and destination: one walk of the source's
 * descriptor graph (`walkGraph`; foreign layers skipped, as a push skips them), each blob the
 * destination lacks streamed once from the source and verified on the way (digest and size), then
 * the documents, children before the indexes that name them, then the top one named by `finish`,
 * then the referrers (which name it as their subject).
 */
export async function copyLoop(
  src: CopySource,
  dest: CopyDestination,
  opts: CopyLoopOptions = {},
): Promise<CopyLoopResult> {
  const top = !opts.all && isIndexMediaType(src.root.mediaType) ? await chooseManifest(src, opts) : src.root;
  const docs: Doc[] = [];
  const blobs: Descriptor[] = [];
  const walk = walkGraph([top], src.readDocument, {
    foreign: "skip",
    ...(opts.referrers && src.referrers ? { referrers: src.referrers } : {}),
  });
  for await (const n of walk) {
    if (n.bytes && n.document) {
      docs.push({
        desc: n.descriptor,
        bytes: n.bytes,
        mediaType: n.document.mediaType,
        referrer: underReferrer(n),
      });
    } else if (n.role === "config" || n.role === "layer" || n.role === "blob") blobs.push(n.descriptor);
  }
  await limit(blobs, dest.concurrency, async (d) => {
    if (await dest.hasBlob(d)) return;
    await dest.putBlob(d, verifying(await src.openBlob(d), { digest: d.digest, size: d.size }));
  });
  const rootDoc = docs[0] as Doc;
  const children = docs.filter((d) => !d.referrer && d !== rootDoc).reverse();
  for (const d of children) await dest.putDocument(d.desc, d.bytes, d.mediaType);
  // Referrers (their blobs written above) go to `finish`, which stores them as its end keeps them;
  // documents under a referrer that name no subject are written as they are, before it.
  const referrers: ReferrerDoc[] = [];
  for (const d of docs.filter((x) => x.referrer).reverse()) {
    const r = withSubject(d);
    if (r) referrers.push(r);
    else await dest.putDocument(d.desc, d.bytes, d.mediaType);
  }
  if (opts.referrers) {
    // Signatures at cosign's attachment tag, which no referrers walk finds, as referrers too.
    const images = docs.filter((d) => !d.referrer).map((d) => d.desc);
    const attached = await attachedAsReferrers(src, images, referrers);
    for (const b of attached.blobs) {
      if (!(await dest.hasBlob(b.desc))) await dest.putBlob(b.desc, bytesOf(b.bytes));
    }
    referrers.push(...attached.docs);
  }
  const copied: CopiedTop = {
    desc: { mediaType: rootDoc.mediaType, digest: rootDoc.desc.digest, size: rootDoc.bytes.byteLength },
    bytes: rootDoc.bytes,
    manifests: docs
      .filter((d) => !d.referrer && !isIndexMediaType(d.mediaType))
      .map((d) => ({ desc: d.desc, bytes: d.bytes })),
  };
  await dest.finish(copied, rootDoc.mediaType, referrers);
  return { digest: copied.desc.digest, mediaType: rootDoc.mediaType, size: rootDoc.bytes.byteLength };
}

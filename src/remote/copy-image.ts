import { pipeline, Readable, Transform } from "node:stream";
import { algorithmOf, type Digest, Digester, shortHex } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { type Descriptor, isIndexMediaType, type Platform, type WalkNode, walkGraph } from "../oci/index.js";
import { formatReference, parseReference, type Reference, withDefaultTag } from "../reference/index.js";
import { openBlob, statBlob, uploadBlob } from "./blobs.js";
import { refusesWrongDigest } from "./digest-probe.js";
import { listReferrers } from "./lists.js";
import {
  descriptorOf,
  type FetchedManifest,
  fetchManifest,
  pushScope,
  putManifest,
  type Repository,
} from "./manifests.js";
import type { BlobRole, ProgressListener } from "./progress.js";
import type { PullOptions } from "./pull.js";
import { putReferrers } from "./referrers-tag.js";
import { resolveImage } from "./resolve.js";
import { copySigstoreSignatures } from "./signatures.js";
import { createTransport, type TransportOptions } from "./transport.js";
import { eachUpload } from "./turns.js";

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
  /** Big blobs whose bytes flow at once (default 2, `DEFAULT_CONCURRENCY`; four more open their sessions ahead). */
  concurrency?: number;
  /**
   * Who checks each blob's digest. `true`: hashed here as it passes, the last chunk of a blob sent
   * only once its digest matches, so that even a destination that checks nothing never gets the
   * whole of a wrong blob. `false`: the destination registry alone (the upload's `?digest=`).
   * `"auto"` (the default): blobs under 1 MiB are hashed here; bigger ones too, unless the
   * destination has shown at the start of this copy that it refuses bytes that do not match
   * `?digest=` (`refusesWrongDigest`), the check the OCI distribution spec requires of it: then a
   * wrong blob is refused there, the copy fails, and the hash here would only repeat it (a 1 GiB
   * copy's biggest cost in this process). Sizes are always bounded here.
   */
  verify?: boolean | "auto";
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

/**
 * Blobs whose bytes flow at once by default, and how many more have their sessions opened ahead.
 * Registry to registry, 1 GiB in four blobs, on an idle 2-core machine (8 alternating copies each):
 * into Distribution 2.8.2, four flows 2.38 s median, two flows with two sessions ahead 2.12 s (the
 * blobs' commits, each an fsync, come in two pairs, the first pair's beside the second pair's
 * transfer, instead of all four at the end: ~0.45 s that nothing else overlapped); into wharf's
 * registry, which writes back while it receives, 1.49 s and 1.48 s. (An earlier measurement, with
 * other work loading the machine, favoured 3 or 4 flows: more threads got a share of the cores.)
 * Four ahead, not two, and small blobs' bytes not waiting for a turn: with two, the image's config
 * took a turn and a session ahead of the last layer, which then waited for a commit to be opened
 * (0.28 s late in one copy, strace); the same medians otherwise (8 alternating copies each).
 */
export const DEFAULT_CONCURRENCY = 2;
const LOOKAHEAD = 4;

/**
 * Blobs from this size on go in two parts: a `PATCH` of their first three quarters, whose flow
 * then passes to the next blob, and later the `PUT` of the rest (`uploadBlob`'s `twoParts`).
 * Distribution fsyncs an upload at the end of each `PATCH` as at its commit, so the first parts
 * become durable while other blobs' bytes flow, and the copy's end waits for the last quarters'
 * fsyncs only, not the last two blobs' whole: 1 GiB in four blobs between Distribution registries,
 * `bench/save-load.sh 5 copy` twice each way, 2.004 and 2.003 s monolithic, 1.922 and 1.914 s in
 * two parts (1.55x -> 1.62x and 1.63x skopeo's). Between wharf's registries, which write back as
 * they receive, 1.349 vs 1.375 and 1.424 s. (Sent one after the other, each blob waiting for its
 * `PATCH`'s answer with its flow held, or cut in 64 MiB chunks, the parts measured slower.)
 */
const TWO_PARTS_FROM = 32 << 20;
const firstPart = (size: number) => Math.floor((size * 3) / 4 / (1 << 20)) * (1 << 20);

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
    if (opts.referrers) {
      await putReferrers(
        destRepo,
        ordered.filter((d) => d.referrer),
      );
      // Sigstore signatures also live at cosign's attachment tag, which no referrers walk finds:
      // carried for every copied image document, stored at the destination both ways.
      for (const d of docs) if (!d.referrer) await copySigstoreSignatures(srcRepo, destRepo, d.desc);
    }
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
  // Turns (`turns.ts`): two big blobs' bytes at once, LOOKAHEAD more blobs asked for (HEAD) and
  // their session opened (POST) ahead of their bytes' turn; opened later, the POST waited for the
  // blobs ahead's commits (Distribution writes files to open a session, which the filesystem's
  // journal holds back while another file's fsync is under way).
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  const verify = opts.verify ?? "auto";
  // Asked once, beside the first blobs' HEADs, when some blob is big enough for it to matter.
  const destChecks =
    verify === "auto" && list.some((b) => b.desc.size >= BULK_FROM) ? refusesWrongDigest(dest) : undefined;
  const hashHere = async (desc: Descriptor): Promise<boolean> => {
    if (verify !== "auto") return verify;
    return desc.size < BULK_FROM || !(await destChecks);
  };
  const failed = await eachUpload(
    list,
    { flows: concurrency, started: concurrency + LOOKAHEAD, big: (b) => b.desc.size >= BULK_FROM },
    async ({ desc, role }, { turn, sent, signal, yieldFlow }) => {
      if ((await statBlob(dest, desc.digest, [pushScope(dest.path)])) !== undefined) {
        emit(desc, role, "exists");
        return;
      }
      // Decided while the upload starts and the source's GET is under way, not before them.
      const here = hashHere(desc);
      const outcome = await uploadBlob(dest, desc, () => sourceBytes(src, desc, here, sent), {
        ...(opts.mount && src.path !== dest.path ? { mountFrom: src.path } : {}),
        beforeBytes: turn,
        signal,
        ...(desc.size >= TWO_PARTS_FROM
          ? { twoParts: { at: firstPart(desc.size), firstSent: yieldFlow, between: turn } }
          : {}),
      }).catch(async (e: unknown) => {
        throw (await here) ? e : refusedBlob(desc, e);
      });
      if (outcome.how === "mounted") emit(desc, role, "mounted", outcome.from);
      else emit(desc, role, "pushed");
    },
  ).then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  // The probe ends before the copy does (its upload session is not left behind a closed transport).
  await destChecks;
  if (failed) throw failed.error;
}

/** The destination's refusal of a blob not hashed here, said as the source's fault it is. */
function refusedBlob(desc: Descriptor, e: unknown): unknown {
  if (!(e instanceof WharfError) || e.code !== "digest-invalid") return e;
  return new WharfError(
    "digest-invalid",
    `${desc.digest}: digest mismatch, the destination refused the bytes the source sent for it`,
    {
      hint: "the source registry's content is corrupt or tampered with; the destination kept no such blob",
      cause: e,
    },
  );
}

/** Blobs from this size on are read with `bulk` (`http1/bulk.ts`: a connection of their own, big reads). */
const BULK_FROM = 1 << 20;

/**
 * A blob's bytes from the source as a stream piped straight into the upload (no promise per
 * chunk), failing as soon as they pass its size and at the end when short. When `hashHere` says so
 * (decided while the GET is under way) they are hashed as they pass and the chunk that completes
 * the blob is held back until the digest matches, so a destination never receives the whole of a
 * wrong blob (even one that would not check `?digest=` itself). `done` is called once the source is
 * read or has failed.
 */
async function sourceBytes(
  src: Repository,
  desc: Descriptor,
  hashHere: Promise<boolean>,
  done: () => void,
): Promise<Readable> {
  let blob: Awaited<ReturnType<typeof openBlob>>;
  let verify: boolean;
  try {
    [blob, verify] = await Promise.all([
      openBlob(src, desc.digest, { bulk: desc.size >= BULK_FROM }),
      hashHere,
    ]);
  } catch (e) {
    done();
    throw e;
  }
  let n = 0;
  const hash = verify ? new Digester(algorithmOf(desc.digest)) : undefined;
  const check = (): WharfError | undefined => {
    const got = (hash as Digester).digest();
    return got === desc.digest
      ? undefined
      : new WharfError(
          "digest-invalid",
          `${desc.digest}: digest mismatch, the source sent bytes that hash to ${got}`,
          {
            hint: "the source registry's content is corrupt or tampered with; the destination got no such blob",
          },
        );
  };
  const out = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.byteLength;
      if (n > desc.size)
        return cb(
          new WharfError("size-invalid", `${desc.digest}: the source sent more than ${desc.size} bytes`),
        );
      if (hash) {
        hash.update(chunk);
        if (n === desc.size) {
          const bad = check();
          if (bad) return cb(bad);
        }
      }
      cb(null, chunk);
    },
    flush(cb) {
      done();
      if (n !== desc.size)
        return cb(
          new WharfError("size-invalid", `${desc.digest}: the source sent ${n} bytes, not ${desc.size}`),
        );
      cb(hash && desc.size === 0 ? check() : null);
    },
  });
  const body = blob.body instanceof Readable ? blob.body : Readable.from(blob.body);
  pipeline(body, out, () => {
    blob.discard();
    done();
  });
  return out;
}

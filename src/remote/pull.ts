import type { ContentStore } from "../content/types.js";
import { collect, type Digest, shortHex } from "../digest/index.js";
import { type Descriptor, type Platform, parseImageConfig, parsePlatform } from "../oci/index.js";
import { formatReference, parseReference, type Reference, withDefaultTag } from "../reference/index.js";
import { fetchInto, ingestRef } from "./fetch.js";
import { descriptorOf, type FetchedManifest, type Repository } from "./manifests.js";
import { mapLimit, type ProgressListener } from "./progress.js";
import type { ImageRecorder } from "./records.js";
import { checkImagePlatform, resolveImage } from "./resolve.js";
import { createTransport, type Transport, type TransportOptions } from "./transport.js";

/** Image configs are small JSON documents; wharf reads none larger. */
const CONFIG_LIMIT = 32 * 1024 * 1024;

export interface PullOptions {
  store: ContentStore;
  /** Records the pulled name; without it the content is stored but no name is set. */
  images?: ImageRecorder;
  /** `os/arch[/variant]` or a Platform; default: this machine's. */
  platform?: Platform | string;
  onProgress?: ProgressListener;
  /** Layers downloaded at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  /** A transport to reuse (it must be for the reference's registry); else one is made from `transport`. */
  via?: Transport;
  transport?: TransportOptions;
  /**
   * Called once the reference is resolved and before anything is downloaded or stored (signature
   * verification): it throws to refuse the image. `top` is what the reference names (its digest is
   * the one signatures are made over); `repo` reaches the registry for the signatures.
   */
  verify?: (check: {
    top: Descriptor;
    image: Descriptor;
    reference: Reference;
    repo: Repository;
  }) => Promise<void>;
}

export interface PullResult {
  /** The normalised reference pulled (`latest` added when it had no tag or digest). */
  reference: Reference;
  /** The repo digest: of what the tag names (an index for multi-platform images). */
  digest: Digest;
  /** `repository@digest`, as `RepoDigests` shows it. */
  repoDigest: string;
  /** The top document (index or manifest) and the image manifest chosen for the platform. */
  target: Descriptor;
  manifest: Descriptor;
  config: Descriptor;
  /** The image's platform, from its config. */
  platform: Platform;
  /** Layers (and config) that were downloaded now; 0 when everything was already stored. */
  downloaded: number;
  /** True when the name already pointed at this digest and nothing had to be downloaded. */
  upToDate: boolean;
}

function toPlatform(p: Platform | string | undefined): Platform | undefined {
  return typeof p === "string" ? parsePlatform(p) : p;
}

/** Stores a small document held in memory (manifest, index, config); true when it was new. */
export async function storeDocument(
  store: ContentStore,
  desc: Descriptor,
  bytes: Uint8Array,
): Promise<boolean> {
  if ((await store.info(desc.digest)) !== undefined) return false;
  for (let attempt = 0; ; attempt++) {
    const w = await store.ingest(ingestRef(desc.digest));
    try {
      if (w.offset > 0 && attempt === 0) throw new Error("stale partial");
      await w.write(bytes);
      await w.commit({ digest: desc.digest, size: desc.size });
      return true;
    } catch (e) {
      await w.abort().catch(() => undefined);
      if (attempt > 0) throw e;
    }
  }
}

/**
 * Pulls an image into the store: resolves the reference (an index to the platform's manifest),
 * downloads the config and layers in parallel straight into the store (verified, resumable, present
 * blobs skipped), stores the manifests last, then records the name.
 */
export async function pull(ref: string | Reference, opts: PullOptions): Promise<PullResult> {
  const reference = withDefaultTag(typeof ref === "string" ? parseReference(ref) : ref);
  const transport = opts.via ?? createTransport(reference.domain, opts.transport);
  try {
    return await pullWith({ transport, path: reference.path }, reference, opts);
  } finally {
    if (!opts.via) transport.close();
  }
}

async function pullWith(repo: Repository, reference: Reference, opts: PullOptions): Promise<PullResult> {
  const want = toPlatform(opts.platform);
  const name = formatReference(reference);
  // The walk fails on foreign layers before anything is downloaded: wharf does not fetch from their URLs.
  const resolved = await resolveImage(repo, reference.digest ?? (reference.tag as string), {
    ...(want ? { platform: want } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    foreign: "fail",
  });
  const { top, image } = resolved;
  await opts.verify?.({ top: descriptorOf(top), image: descriptorOf(image), reference, repo });
  opts.onProgress?.({ type: "resolved", reference: name, digest: top.digest, mediaType: top.mediaType });

  const controller = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, controller.signal]) : controller.signal;
  // As Docker: an image already whole in the store is not announced layer by layer; otherwise each
  // layer is `exists` (present; `info` leases it) or `waiting` (to download), in manifest order.
  const { config: configDesc, layers } = resolved;
  const present = new Set<string>();
  const all = [configDesc, ...layers]; // distinct: the walk visits each digest once
  await mapLimit(all, 8, async (d) => {
    if ((await opts.store.info(d.digest)) !== undefined) present.add(d.digest);
  });
  const whole = all.every((d) => present.has(d.digest));
  for (const l of whole ? [] : layers) {
    const here = present.has(l.digest);
    opts.onProgress?.({
      type: "blob",
      id: shortHex(l.digest),
      digest: l.digest,
      role: "layer",
      state: here ? "exists" : "waiting",
      current: here ? l.size : 0,
      total: l.size,
    });
  }
  const blobs: { desc: Descriptor; role: "layer" | "config" }[] = all
    .map((desc) => ({ desc, role: desc === configDesc ? ("config" as const) : ("layer" as const) }))
    .filter((b) => !present.has(b.desc.digest));
  let downloaded = 0;
  try {
    await mapLimit(blobs, Math.max(1, opts.concurrency ?? 4), async ({ desc, role }) => {
      const isNew = await fetchInto(repo, opts.store, desc, {
        role,
        signal,
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      });
      if (isNew) downloaded++;
    });
  } catch (e) {
    controller.abort();
    throw e;
  }

  const config = parseImageConfig(await collect(await opts.store.read(configDesc.digest), CONFIG_LIMIT));
  const platform: Platform = {
    os: config.os,
    architecture: config.architecture,
    ...(config.variant ? { variant: config.variant } : {}),
  };
  if (want && resolved.indexes.length === 0) checkImagePlatform(want, platform, name);

  const docs: FetchedManifest[] = [image, ...[...resolved.indexes].reverse()];
  for (const d of docs) await storeDocument(opts.store, descriptorOf(d), d.bytes);

  const target = descriptorOf(top);
  const repoDigest = `${reference.domain}/${reference.path}@${top.digest}`;
  let upToDate = false;
  if (opts.images) {
    const before = await opts.images.lookup(name);
    upToDate = downloaded === 0 && before?.digest === top.digest;
    await opts.images.record({ name, target, manifest: descriptorOf(image), repoDigest });
  }
  return {
    reference,
    digest: top.digest,
    repoDigest,
    target,
    manifest: descriptorOf(image),
    config: configDesc,
    platform,
    downloaded,
    upToDate,
  };
}

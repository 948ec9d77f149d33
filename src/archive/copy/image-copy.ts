import type { Digest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { type Images, openImages } from "../../images/index.js";
import { copyImage, type PullOptions, type TransportOptions } from "../../remote/index.js";
import { archiveDestination, archiveSource } from "./archive.js";
import { type CopyLoopOptions, copyLoop } from "./copy.js";
import { layoutDestination, layoutSource, layoutTags } from "./layout.js";
import { type ImageLocation, parseLocation, withTag } from "./refs.js";
import { registryDestination, registrySource, registryTags } from "./registry.js";
import { storeDestination, storeSource, storeTags, type VerifyStored } from "./store.js";
import type { CopyDestination, CopySource } from "./types.js";

export interface ImageCopyOptions extends CopyLoopOptions {
  /** How to reach a registry source and destination (credentials, insecure registries). */
  source?: TransportOptions;
  destination?: TransportOptions;
  /** The wharf root of `wharf:` locations. */
  root?: string;
  /**
   * Signature verification of a `docker://` source (the CLI's `imageVerifier`): run once the source's
   * top manifest is fetched, before the destination is opened; it throws to refuse.
   */
  verifySource?: PullOptions["verify"];
  /** The same for a `wharf:` source, with the signatures kept in the store; before the destination opens. */
  verifyStored?: VerifyStored;
}

export interface ImageCopyResult {
  digest: Digest;
  mediaType: string;
  size: number;
}

/** Opens wharf's store once for the `wharf:` ends of a copy. */
function storeOpener(root: string | undefined): { get(): Promise<Images>; close(): Promise<void> } {
  let images: Promise<Images> | undefined;
  return {
    get() {
      if (root === undefined) throw new WharfError("invalid-argument", "wharf: locations need wharf's root");
      images ??= openImages(root);
      return images;
    },
    close: async () => {
      if (images) await (await images).close();
    },
  };
}

async function openSource(
  loc: ImageLocation,
  opts: ImageCopyOptions,
  store: ReturnType<typeof storeOpener>,
): Promise<CopySource> {
  switch (loc.kind) {
    case "docker":
      return registrySource(loc.ref, opts.source ?? {}, opts.verifySource);
    case "oci":
      return layoutSource(loc.dir, loc.ref);
    case "wharf":
      return storeSource(await store.get(), loc.ref, opts.verifyStored);
    default:
      return archiveSource(loc.kind, loc.file, loc.ref);
  }
}

async function openDestination(
  loc: ImageLocation,
  opts: ImageCopyOptions,
  store: ReturnType<typeof storeOpener>,
): Promise<CopyDestination> {
  switch (loc.kind) {
    case "docker":
      return registryDestination(loc.ref, opts.destination ?? {});
    case "oci":
      return layoutDestination(loc.dir, loc.ref);
    case "wharf":
      return storeDestination(await store.get(), loc.ref);
    default:
      return archiveDestination(loc.kind, loc.file, loc.ref);
  }
}

/**
 * `image copy SRC DEST`: registry to registry goes straight through `remote`'s `copyImage` (no local
 * store, blobs streamed once, mounts within one registry); any other pair goes through the one copy
 * loop over a source and a destination adapter.
 */
export async function imageCopy(
  src: string | ImageLocation,
  dest: string | ImageLocation,
  opts: ImageCopyOptions = {},
): Promise<ImageCopyResult> {
  const from = typeof src === "string" ? parseLocation(src) : src;
  const to = typeof dest === "string" ? parseLocation(dest) : dest;
  if (from.kind === "docker" && to.kind === "docker") {
    const r = await copyImage(from.ref, to.ref, {
      ...(opts.all ? { all: true } : {}),
      ...(opts.platform ? { platform: opts.platform } : {}),
      ...(opts.referrers ? { referrers: true } : {}),
      ...(opts.source ? { source: opts.source } : {}),
      ...(opts.destination ? { destination: opts.destination } : {}),
      ...(opts.verifySource ? { verifySource: opts.verifySource } : {}),
    });
    return { digest: r.digest, mediaType: r.mediaType, size: r.size };
  }
  const store = storeOpener(opts.root);
  try {
    const source = await openSource(from, opts, store);
    try {
      const destination = await openDestination(to, opts, store);
      let ok = false;
      try {
        const r = await copyLoop(source, destination, opts);
        ok = true;
        return r;
      } finally {
        await destination.close(ok);
      }
    } finally {
      await source.close();
    }
  } finally {
    await store.close();
  }
}

async function tagsOf(
  loc: ImageLocation,
  opts: ImageCopyOptions,
  transport: TransportOptions,
  required: boolean,
): Promise<string[]> {
  switch (loc.kind) {
    case "docker":
      if (loc.ref.tag !== undefined || loc.ref.digest !== undefined) break;
      return registryTags(loc.ref, transport);
    case "oci":
      if (loc.ref !== undefined) break;
      return layoutTags(loc.dir, required);
    case "wharf": {
      const store = storeOpener(opts.root);
      try {
        return await storeTags(await store.get(), loc.ref);
      } finally {
        await store.close();
      }
    }
    default:
      throw new WharfError("unsupported", `--sync does not read ${loc.kind}: locations`, {
        hint: "sync between registries (docker://), OCI layouts (oci:DIR) and wharf's store (wharf:REPO)",
      });
  }
  throw new WharfError(
    "invalid-argument",
    "--sync copies whole repositories: give SRC and DEST without a tag",
    {
      hint: "image copy --sync docker://REGISTRY/REPO docker://MIRROR/REPO",
    },
  );
}

/**
 * `image copy --sync SRC-REPO DEST-REPO`: every tag of the source repository that the destination
 * lacks, copied under the same tag (one platform, or every one with `all`). Tags the destination
 * has are left as they are. Returns what was copied, in tag order.
 */
export async function syncImages(
  src: string,
  dest: string,
  opts: ImageCopyOptions = {},
): Promise<{ tag: string; result: ImageCopyResult }[]> {
  const from = parseLocation(src);
  const to = parseLocation(dest);
  const have = new Set(await tagsOf(to, opts, opts.destination ?? {}, false));
  const missing = (await tagsOf(from, opts, opts.source ?? {}, true)).filter((t) => !have.has(t)).sort();
  const out: { tag: string; result: ImageCopyResult }[] = [];
  for (const tag of missing)
    out.push({ tag, result: await imageCopy(withTag(from, tag), withTag(to, tag), opts) });
  return out;
}

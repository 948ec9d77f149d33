import type { Digest } from "../digest/index.js";
import { isWharfError, WharfError } from "../errors/index.js";
import { type Images, platformView, readConfig, readManifest, resolveImage } from "../images/index.js";
import {
  type Descriptor,
  formatPlatform,
  hostPlatform,
  type ImageConfig,
  matchesPlatform,
  type Platform,
  parsePlatform,
} from "../oci/index.js";
import { formatReference, parseReference, type Reference, withDefaultTag } from "../reference/index.js";
import type { PullOptions, TransportOptions } from "../remote/index.js";

/** An image a stage starts from (or COPY --from / a mount reads): as stored locally. */
export interface BaseImage {
  /** `docker.io/library/busybox:latest@sha256:...`, as BuildKit names the FROM step. */
  display: string;
  id: Digest;
  config: ImageConfig;
  layers: Descriptor[];
  /** Pulled by this build (false: found locally). */
  pulled: boolean;
}

export interface BaseOptions {
  images: Images;
  /** `--pull`: ask the registry even when the image is here. */
  pull: boolean;
  platform?: string;
  transport?: TransportOptions;
  signal?: AbortSignal;
  onStatus?: (line: string) => void;
  /** Signature verification of a pulled base image (remote's PullOptions.verify), before it is stored. */
  verify?: PullOptions["verify"];
  /** Called once a pull recorded the image `top`: keeps the signatures `verify` read beside it. */
  keepSignatures?: (images: Images, top: Descriptor) => Promise<void>;
  /**
   * Checks an image found in the store (its top document's digest, under the name FROM gave) with
   * the signatures kept beside it, as `run` of a local image does; refuses by throwing.
   */
  verifyLocal?: (images: Images, image: LocalBase) => Promise<void>;
}

/** A local base image to check: its top document (an index for a multi-platform image) and name. */
export interface LocalBase {
  digest: Digest;
  reference: Reference;
  /** What the Dockerfile named (for messages). */
  input: string;
}

function normalized(name: string): Reference {
  try {
    return withDefaultTag(parseReference(name));
  } catch (e) {
    throw new WharfError("invalid-reference", `invalid reference format: ${name}`, {
      hint: "write FROM NAME[:TAG|@DIGEST], a stage name or scratch",
      cause: e,
    });
  }
}

async function local(
  images: Images,
  name: string,
  foreign?: Platform,
): Promise<(BaseImage & { top: LocalBase }) | undefined> {
  let found = await resolveImage(images, name).catch((e: unknown) => {
    if (isWharfError(e, "image-not-found")) return undefined;
    throw e;
  });
  // Another machine's platform: that platform's image of the index the name records, if stored.
  if (found && foreign)
    found = await platformView(images.content, found, foreign, name).catch(() => undefined);
  const entry = found?.entry ?? found?.image.entries[0];
  if (!found || !entry) return undefined;
  const [{ manifest }, { config }] = await Promise.all([
    readManifest(images.content, entry.manifest),
    readConfig(images.content, found.image.id),
  ]);
  // Checked through the leased store: this build keeps what it found from a concurrent prune.
  for (const l of manifest.layers) {
    if ((await images.content.info(l.digest)) === undefined) return undefined;
  }
  return {
    display: `${formatReference(normalized(name))}@${entry.manifest}`,
    id: found.image.id,
    config,
    layers: manifest.layers,
    pulled: false,
    top: { digest: entry.desc.digest, reference: entry.ref ?? normalized(name), input: name },
  };
}

/**
 * The image `name` names, from the local store, else (or with `--pull`) pulled from its registry
 * and recorded like `wharf pull` would. A local image for another platform than `--platform`
 * is pulled again for the right one. For another machine's platform (`--platform linux/arm64`
 * here, or a multi-platform build's other platforms) the local names stay as they were:
 * `foreignBase`.
 */
export async function resolveBase(name: string, o: BaseOptions): Promise<BaseImage> {
  const ref = normalized(name);
  const full = formatReference(ref);
  const want = o.platform ? parsePlatform(o.platform) : undefined;
  // A build for another machine's platform leaves the local names as they are (BuildKit keeps its
  // bases out of the image store): it uses, and pulls into, the index a name records.
  const foreign = want && !matchesPlatform(hostPlatform(), want) ? want : undefined;
  if (foreign) return foreignBase(name, ref, foreign, o);
  if (!o.pull) {
    const have = await local(o.images, full);
    if (have && (!want || matchesPlatform(want, have.config))) {
      const { top, ...base } = have;
      // Under the signature policy / content trust, as `run` checks a local image (no registry asked).
      await o.verifyLocal?.(o.images, { ...top, input: name });
      return base;
    }
  }
  const { pull } = await import("../remote/index.js");
  o.onStatus?.(`resolve ${full}`);
  const pulled = await pull(ref, {
    store: o.images.content,
    images: o.images,
    ...(o.platform ? { platform: o.platform } : {}),
    ...(o.transport ? { transport: o.transport } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    // FROM under the signature policy / content trust: the CLI's imageVerifier (trust-verify.ts).
    ...(o.verify ? { verify: o.verify } : {}),
  });
  await o.keepSignatures?.(o.images, pulled.target);
  const got = await local(o.images, full);
  if (!got)
    throw new WharfError("image-not-found", `pull access denied for ${name}, repository does not exist`, {
      hint: "check the name in FROM (or --from), and `wharf login` to its registry if it is private",
    });
  if (want && !matchesPlatform(want, got.config)) {
    throw new WharfError("platform-mismatch", `${name} has no image for ${formatPlatform(want)}`, {
      hint: "build for a platform the image has (--platform), or use another image",
    });
  }
  const { top: _t, ...base } = got;
  return { ...base, pulled: true };
}

/**
 * A base for another machine's platform: the stored image of that platform in the index the name
 * records (no registry asked), else pulled for it without moving the name: a name that records the
 * pulled index keeps its platform image (the new one is reached through the index), any other name
 * is left alone, and the build's lease keeps the pulled content until the image made from it holds
 * its layers.
 */
async function foreignBase(name: string, ref: Reference, want: Platform, o: BaseOptions): Promise<BaseImage> {
  const full = formatReference(ref);
  if (!o.pull) {
    const have = await local(o.images, full, want);
    if (have) {
      const { top, ...base } = have;
      await o.verifyLocal?.(o.images, { ...top, input: name });
      return base;
    }
  }
  const { pull } = await import("../remote/index.js");
  o.onStatus?.(`resolve ${full}`);
  const images = o.images;
  const pulled = await pull(ref, {
    store: images.content,
    images: {
      lookup: (n) => images.lookup(n),
      record: async (e) => {
        const now = await images.lookup(e.name);
        if (now?.digest === e.target.digest)
          await images.record({ name: e.name, target: e.target, repoDigest: e.repoDigest });
      },
    },
    platform: formatPlatform(want),
    ...(o.transport ? { transport: o.transport } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.verify ? { verify: o.verify } : {}),
  });
  const [{ manifest }, { config }] = await Promise.all([
    readManifest(images.content, pulled.manifest.digest),
    readConfig(images.content, pulled.config.digest),
  ]);
  if (
    !matchesPlatform(want, {
      os: config.os,
      architecture: config.architecture,
      ...(config.variant ? { variant: config.variant } : {}),
    })
  ) {
    throw new WharfError("platform-mismatch", `${name} has no image for ${formatPlatform(want)}`, {
      hint: "build for a platform the image has (--platform), or use another image",
    });
  }
  return {
    display: `${full}@${pulled.manifest.digest}`,
    id: pulled.config.digest,
    config,
    layers: manifest.layers,
    pulled: true,
  };
}

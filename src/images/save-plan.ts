import type { Digest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import {
  type Descriptor,
  formatPlatform,
  isIndexMediaType,
  isManifestMediaType,
  type Manifest,
  type Platform,
  parseManifestDocument,
  selectPlatform,
} from "../oci/index.js";
import { parseReference, type Reference, repositoryName } from "../reference/index.js";
import { readConfig, readDocument } from "./documents.js";
import { type Entry, entriesOf } from "./entries.js";
import type { Images } from "./images.js";
import { storedPlatformManifest } from "./platform-view.js";
import { resolveIn } from "./resolve.js";

/** One image to save: its manifest (as stored), the tags it is saved under, and its config's facts. */
export interface SaveImage {
  id: Digest;
  manifest: Descriptor;
  manifestBytes: Uint8Array;
  parsed: Manifest;
  diffIds: Digest[];
  platform: Platform;
  /** The tags asked for (a name without tag: every tag of that repository), in the order given. */
  tags: Reference[];
  /**
   * The index the image was recorded with (a multi-platform image), when `manifest` is one of its
   * platforms: what its name resolves to, and so what signatures over the image name.
   */
  index?: { desc: Descriptor; bytes: Uint8Array };
  /**
   * The index's other platforms that go along (Docker saves every platform of a multi-platform
   * image that is stored here, or those `--platform` lists): then `index.json` names the index.
   */
  others?: SavePlatform[];
}

/** One more platform of a multi-platform image, every blob of it stored. */
export interface SavePlatform {
  manifest: Descriptor;
  manifestBytes: Uint8Array;
  parsed: Manifest;
}

/** A repository name alone (`busybox`, no tag, digest or ID): Docker saves every tag of it. */
function nameOnly(input: string): Reference | undefined {
  try {
    const ref = parseReference(input);
    return ref.tag === undefined && ref.digest === undefined ? ref : undefined;
  } catch {
    return undefined;
  }
}

/** The platform's manifest in the index `target`, which must be stored. */
async function platformManifest(
  images: Images,
  target: Descriptor,
  want: Platform,
  name: string,
): Promise<Descriptor> {
  const found = await storedPlatformManifest(images.content, target, want);
  if (!found) {
    throw new WharfError(
      "platform-mismatch",
      `image ${name} has no stored manifest for ${formatPlatform(want)}`,
      {
        hint: `pull it for that platform first: wharf pull --platform ${formatPlatform(want)} ${name}`,
      },
    );
  }
  return found;
}

/** The recorded index `desc` (as stored) when it lists `manifest` directly. */
async function recordedIndex(
  images: Images,
  desc: Descriptor,
  manifest: Digest,
): Promise<{ desc: Descriptor; bytes: Uint8Array } | undefined> {
  const bytes = await readDocument(images.content, desc.digest);
  const doc = parseManifestDocument(bytes, desc.mediaType);
  if (doc.kind !== "index" || !doc.index.manifests.some((m) => m.digest === manifest)) return undefined;
  return { desc: { mediaType: desc.mediaType, digest: desc.digest, size: bytes.byteLength }, bytes };
}

/** The stored image manifest `d` with all its blobs, or undefined when any of them is missing. */
async function completePlatform(images: Images, d: Descriptor): Promise<SavePlatform | undefined> {
  if (!isManifestMediaType(d.mediaType) || (await images.content.info(d.digest)) === undefined)
    return undefined;
  const bytes = await readDocument(images.content, d.digest);
  const doc = parseManifestDocument(bytes, d.mediaType);
  if (doc.kind !== "manifest") return undefined;
  for (const b of [doc.manifest.config, ...doc.manifest.layers]) {
    if ((await images.content.info(b.digest)) === undefined) return undefined;
  }
  return {
    manifest: { mediaType: d.mediaType, digest: d.digest, size: bytes.byteLength },
    manifestBytes: bytes,
    parsed: doc.manifest,
  };
}

/**
 * The platforms of the index (`indexBytes`) saved beside its `main` manifest: with `more` (the rest
 * of a `--platform` list) each of those, which must be stored; else every platform stored here
 * whole, as Docker saves a multi-platform image (containerd skips what is missing).
 */
async function otherPlatforms(
  images: Images,
  indexBytes: Uint8Array,
  main: Digest,
  more: readonly Platform[],
  name: string,
): Promise<SavePlatform[]> {
  const doc = parseManifestDocument(indexBytes);
  if (doc.kind !== "index") return [];
  const out: SavePlatform[] = [];
  if (more.length > 0) {
    const listed = doc.index.manifests.filter((m) => m.platform !== undefined);
    for (const want of more) {
      const hit = selectPlatform(listed, want);
      if (hit?.digest === main || out.some((o) => o.manifest.digest === hit?.digest)) continue;
      const found = hit ? await completePlatform(images, hit) : undefined;
      if (!found) {
        throw new WharfError(
          "platform-mismatch",
          `image ${name} has no stored manifest for ${formatPlatform(want)}`,
          { hint: `pull it for that platform first: wharf pull --platform ${formatPlatform(want)} ${name}` },
        );
      }
      out.push(found);
    }
    return out;
  }
  for (const child of doc.index.manifests.filter((m) => m.digest !== main)) {
    const found = await completePlatform(images, child);
    if (found) out.push(found);
  }
  return out;
}

/**
 * The images `names` name, as `docker save` picks them: `repo:tag` (that tag), `repo` alone (every
 * tag of the repository), `repo@digest`, an ID or a unique ID prefix (the image, saved untagged).
 * An image named twice is saved once with every tag asked for. Each image is its platform manifest:
 * the one recorded for this machine, or with `platform` the one for that platform (which must be
 * stored). Everything is resolved before anything is written.
 */
export async function saveImages(
  images: Images,
  names: readonly string[],
  opts: { platforms?: readonly Platform[] } = {},
): Promise<SaveImage[]> {
  const wants = opts.platforms ?? [];
  const entries = entriesOf(await images.records.read());
  const picked = new Map<Digest, { entry: Entry; tags: Reference[] }>();
  const add = (entry: Entry, tag?: Reference) => {
    const had = picked.get(entry.id) ?? { entry, tags: [] };
    picked.set(entry.id, had);
    if (
      tag?.tag !== undefined &&
      !had.tags.some((t) => t.tag === tag.tag && repositoryName(t) === repositoryName(tag))
    )
      had.tags.push(tag);
  };
  for (const input of names) {
    const repo = nameOnly(input);
    const tagged = repo
      ? entries.filter((e) => e.ref?.tag !== undefined && repositoryName(e.ref) === repositoryName(repo))
      : [];
    if (tagged.length > 0) {
      for (const e of tagged) add(e, e.ref);
      continue;
    }
    const r = resolveIn(entries, input);
    const entry = r.entry ?? (r.image.entries[0] as Entry);
    add(entry, r.by === "name" && r.entry?.ref?.tag !== undefined ? r.entry.ref : undefined);
  }
  const out: SaveImage[] = [];
  for (const { entry, tags } of picked.values()) {
    const name = entry.name ?? entry.id;
    const isIndex = isIndexMediaType(entry.desc.mediaType);
    const first = wants[0];
    const manifest: Digest =
      first && isIndex ? (await platformManifest(images, entry.desc, first, name)).digest : entry.manifest;
    const bytes = await readDocument(images.content, manifest);
    const doc = parseManifestDocument(bytes);
    if (doc.kind !== "manifest") {
      throw new WharfError("manifest-invalid", `${manifest} of ${name} is not an image manifest`);
    }
    const { config } = await readConfig(images.content, doc.manifest.config.digest);
    const platform: Platform = {
      architecture: config.architecture,
      os: config.os,
      ...(config.variant ? { variant: config.variant } : {}),
    };
    if (!isIndex) {
      for (const want of wants) {
        if (selectPlatform([{ ...entry.desc, platform }], want) === undefined) {
          throw new WharfError(
            "platform-mismatch",
            `image ${name} is ${formatPlatform(platform)}, not ${formatPlatform(want)}`,
            { hint: "save it without --platform, or pull the platform asked for" },
          );
        }
      }
    }
    const index = isIndexMediaType(entry.desc.mediaType)
      ? await recordedIndex(images, entry.desc, manifest)
      : undefined;
    const others =
      index && wants.length !== 1
        ? await otherPlatforms(images, index.bytes, manifest, wants.slice(1), name)
        : [];
    out.push({
      ...(index ? { index } : {}),
      ...(others.length > 0 ? { others } : {}),
      id: doc.manifest.config.digest,
      manifest: { mediaType: doc.mediaType, digest: manifest, size: bytes.byteLength },
      manifestBytes: bytes,
      parsed: doc.manifest,
      diffIds: config.rootfs.diff_ids,
      platform,
      tags,
    });
  }
  return out;
}

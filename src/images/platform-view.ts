import type { ContentStore } from "../content/index.js";
import { WharfError } from "../errors/index.js";
import {
  type Descriptor,
  formatPlatform,
  isIndexMediaType,
  matchesPlatform,
  type Platform,
  parseManifestDocument,
  selectPlatform,
  walkGraph,
} from "../oci/index.js";
import { readConfig, readDocument, storeReader } from "./documents.js";
import type { Entry } from "./entries.js";
import type { Resolved } from "./resolve.js";

/** The best manifest for `want` in the index `target` (nested indexes too) that is stored here. */
export async function storedPlatformManifest(
  content: ContentStore,
  target: Descriptor,
  want: Platform,
): Promise<Descriptor | undefined> {
  let found: Descriptor | undefined;
  const walk = walkGraph([target], storeReader(content), {
    missing: "skip",
    select: (entries) => {
      const hit = selectPlatform(entries, want);
      return hit ? [hit] : entries.filter((e) => isIndexMediaType(e.mediaType));
    },
  });
  for await (const n of walk) if (n.role === "manifest" && !n.missing) found ??= n.descriptor;
  return found;
}

/**
 * The image manifest of `top` (an entry's target) for `want`, as Docker's image service answers
 * `--platform` on `image inspect`, `history` and `push`: a single-platform image must be of that
 * platform (its config says), an index's manifest for it must be stored here. Errors in Docker's
 * words: the classic store's `does not match the specified platform: wanted W, actual: A` for a
 * single-platform image, the containerd store's `does not provide the specified platform (W)` for
 * an index without that platform's image here.
 */
export async function platformManifest(
  content: ContentStore,
  top: Descriptor,
  want: Platform,
  input: string,
): Promise<Descriptor> {
  const w = formatPlatform(want);
  if (!isIndexMediaType(top.mediaType)) {
    const doc = parseManifestDocument(await readDocument(content, top.digest));
    if (doc.kind !== "manifest")
      throw new WharfError("manifest-invalid", `${top.digest} is not an image manifest`);
    const { config } = await readConfig(content, doc.manifest.config.digest);
    const have: Platform = {
      os: config.os,
      architecture: config.architecture,
      ...(config.variant ? { variant: config.variant } : {}),
    };
    if (matchesPlatform(want, have)) return top;
    throw new WharfError(
      "platform-mismatch",
      `image with reference ${input} was found but does not match the specified platform: wanted ${w}, actual: ${formatPlatform(have)}`,
      { hint: "pull or build that platform's image, or leave out --platform" },
    );
  }
  const chosen = await storedPlatformManifest(content, top, want);
  if (!chosen) {
    throw new WharfError(
      "platform-mismatch",
      `image with reference ${input} was found but does not provide the specified platform (${w})`,
      { hint: `pull that platform (wharf pull --platform ${w} ...) or build it` },
    );
  }
  return chosen;
}

/**
 * What `r` resolved, seen as its `want` platform's image: that image's ID and manifest, from the
 * target of the entry the input named (the image's first entry when it was named by ID).
 */
export async function platformView(
  content: ContentStore,
  r: Resolved,
  want: Platform,
  input: string,
): Promise<Resolved> {
  const named = r.entry ?? r.image.entries[0];
  if (!named) throw new WharfError("image-not-found", `No such image: ${input}`);
  const manifest = await platformManifest(content, named.desc, want, input);
  const doc = parseManifestDocument(await readDocument(content, manifest.digest));
  if (doc.kind !== "manifest")
    throw new WharfError("manifest-invalid", `${manifest.digest} is not an image manifest`);
  const id = doc.manifest.config.digest;
  // The names of that platform's image: those of the same top document (an index's other names).
  const same = (es: readonly Entry[]) =>
    es
      .filter((e) => e.desc.digest === named.desc.digest)
      .map((e): Entry => ({ ...e, id, manifest: manifest.digest }));
  const g = r.image;
  const image = { id, entries: same(g.entries), tags: same(g.tags), digests: same(g.digests) };
  return { ...r, image, ...(r.entry ? { entry: same([r.entry])[0] as Entry } : {}) };
}

import { WharfError } from "../errors/index.js";
import { openImages } from "../images/index.js";
import { type Descriptor, type Platform, splitPlatforms } from "../oci/index.js";
import { formatReference, parseReference, withDefaultTag } from "../reference/index.js";
import { push } from "../remote/index.js";
import { buildEach, hostPart, partsResult, storeIndex } from "./platforms-each.js";
import { buildPlatformOutputs } from "./platforms-output.js";
import type { BuildOptions, BuildResult } from "./types.js";

export { splitPlatforms };

function refuse(what: string, hint: string): never {
  throw new WharfError("invalid-argument", `${what} is not supported when building more than one platform`, {
    hint,
  });
}

/**
 * A multi-platform build (`--platform linux/amd64,linux/arm64`), as BuildKit makes it for an image
 * store or a registry: the Dockerfile built once per platform (each with its own TARGETPLATFORM and
 * build cache keys), then one OCI image index naming each platform's manifest. Each tag names the
 * index, recorded with this machine's platform as the image it runs (the first platform when none
 * matches), and `--push` pushes the index with every platform. The result is that image's, with the
 * index as `manifest`.
 */
export async function buildPlatforms(o: BuildOptions, platforms: readonly Platform[]): Promise<BuildResult> {
  if (platforms.length < 2) throw new WharfError("internal", "buildPlatforms needs two platforms or more");
  if (o.context === "-" || o.file === "-") {
    refuse(
      "a context or Dockerfile on stdin",
      "give the context as a directory: it is read once per platform",
    );
  }
  if (o.cacheTo?.some((c) => c.type !== "inline"))
    refuse("--cache-to", "export the cache from a single-platform build");
  if (o.push && (o.tags ?? []).length === 0) {
    throw new WharfError("usage", "tag is needed when pushing to registry", {
      hint: "name the image with -t REGISTRY/NAME:TAG",
    });
  }
  if (o.outputs?.length) return buildPlatformOutputs(o, platforms);
  const parts = await buildEach(o, platforms);
  const images = await openImages(o.root);
  try {
    const indexDesc = await storeIndex(images, parts, o.annotations);
    const names = (o.tags ?? []).map((t) => formatReference(withDefaultTag(parseReference(t))));
    const manifest: Descriptor = { ...hostPart(parts).result.manifest };
    const replaces = parts.map((p) => p.result.manifest.digest);
    if (names.length === 0) await images.record({ target: indexDesc, manifest, replaces });
    for (const name of names) await images.record({ name, target: indexDesc, manifest, replaces });
    for (const name of o.push ? names : []) {
      await push(name, { store: images.content, images, ...(o.transport ? { transport: o.transport } : {}) });
    }
    return partsResult(parts, indexDesc, names);
  } finally {
    await images.close();
  }
}

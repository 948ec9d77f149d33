import { join } from "node:path";
import { WharfError } from "../errors/index.js";
import { openImages } from "../images/index.js";
import type { Platform } from "../oci/index.js";
import { formatReference, parseReference, withDefaultTag } from "../reference/index.js";
import { writeOciTar } from "./output.js";
import { buildEach, forgetParts, type PlatformPart, partsResult, storeIndex } from "./platforms-each.js";
import type { BuildOptions, BuildResult } from "./types.js";

/** BuildKit's directory of one platform in a multi-platform local export: `linux_arm64`, `linux_arm_v7`. */
export function platformDir(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((x) => x).join("_");
}

/**
 * `--output` of a multi-platform build, as BuildKit writes it: `type=local,dest=DIR` puts each
 * platform's files under `DIR/<os>_<arch>[_<variant>]/`; `type=oci,dest=FILE` is one OCI layout
 * whose `index.json` names the image index of every platform. Nothing is kept as an image (as
 * with one platform): the platforms' images are dropped once written, their layers stay as cache.
 */
export async function buildPlatformOutputs(
  o: BuildOptions,
  platforms: readonly Platform[],
): Promise<BuildResult> {
  const outputs = o.outputs ?? [];
  const local = outputs.flatMap((x) => (x.type === "local" ? [x.dest] : []));
  const oci = outputs.flatMap((x) => (x.type === "oci" ? [x.dest] : []));
  if (outputs.some((x) => x.type === "docker")) {
    // BuildKit's docker exporter writes one image; a multi-platform one goes as an OCI layout.
    throw new WharfError(
      "invalid-argument",
      "docker exporter does not currently support exporting manifest lists",
      {
        hint: "use -o type=oci,dest=FILE (wharf load and docker load read it), or build one --platform",
      },
    );
  }
  if (outputs.some((x) => x.type === "tar")) {
    throw new WharfError(
      "invalid-argument",
      "a tar --output is not supported when building more than one platform",
      {
        hint: "use -o DIR (a directory per platform) or -o type=oci,dest=FILE",
      },
    );
  }
  if (local.length > 0 && oci.length > 0) {
    throw new WharfError(
      "invalid-argument",
      "a local and an oci --output together are not supported when building more than one platform",
      {
        hint: "give one kind of --output per build",
      },
    );
  }
  const names = (o.tags ?? []).map((t) => formatReference(withDefaultTag(parseReference(t))));
  if (local.length > 0) {
    const parts = await buildEach(o, platforms, (p) => ({
      outputs: local.map((dest) => ({ type: "local" as const, dest: join(dest, platformDir(p)) })),
    }));
    return partsResult(parts, (parts[0] as PlatformPart).result.manifest, names);
  }
  const parts = await buildEach(o, platforms, () => ({ outputs: [] }));
  const images = await openImages(o.root);
  try {
    const index = await storeIndex(images, parts, o.annotations);
    for (const dest of oci) await writeOciTar(images.content, index, dest, names[0]);
    return partsResult(parts, index, names);
  } finally {
    await images.close();
    await forgetParts(o.root, parts);
  }
}

/**
 * `build --annotation [TYPE[PLATFORMS]:]KEY=VALUE` (buildx): OCI annotations on what the build
 * makes. `manifest` (the default) goes on each image manifest (those of the platforms named, when
 * some are), `index` on a multi-platform build's index (a single-platform build makes none, so it
 * has no place to go, as with BuildKit's image exporter), `manifest-descriptor` on the index's entry
 * for each manifest. `index-descriptor` (the index's own descriptor in an OCI layout) is refused.
 */
import { WharfError } from "../errors/index.js";
import { matchesPlatform, type Platform, parsePlatform } from "../oci/index.js";

export type AnnotationType = "manifest" | "index" | "manifest-descriptor";

export interface BuildAnnotation {
  type: AnnotationType;
  /** Only for these platforms' manifests (or their descriptors); all when absent. */
  platforms?: Platform[];
  key: string;
  value: string;
}

const PREFIX = /^(manifest|index|manifest-descriptor|index-descriptor)(?:\[([^\]]*)\])?:(.+)$/;

export function parseAnnotation(spec: string): BuildAnnotation {
  const eq = spec.indexOf("=");
  if (eq <= 0) {
    throw new WharfError("usage", `invalid annotation "${spec}": expected KEY=VALUE`, {
      hint: "write --annotation [manifest|index|manifest-descriptor[PLATFORMS]:]KEY=VALUE",
    });
  }
  const left = spec.slice(0, eq);
  const value = spec.slice(eq + 1);
  const m = PREFIX.exec(left);
  if (!m) return { type: "manifest", key: left, value };
  const [, type = "", platforms, key = ""] = m;
  if (type === "index-descriptor") {
    throw new WharfError("usage", `annotation type "index-descriptor" is not supported by wharf build`, {
      hint: "annotate the manifest or the index (manifest:KEY=VALUE, index:KEY=VALUE)",
    });
  }
  return {
    type: type as AnnotationType,
    ...(platforms ? { platforms: platforms.split(",").map((p) => parsePlatform(p.trim())) } : {}),
    key,
    value,
  };
}

/** The annotations of `type` for a manifest of `platform` (or the index: no platform). */
export function annotationsOf(
  list: readonly BuildAnnotation[] | undefined,
  type: AnnotationType,
  platform?: Platform,
): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const a of list ?? []) {
    if (a.type !== type) continue;
    if (a.platforms && platform && !a.platforms.some((p) => matchesPlatform(p, platform))) continue;
    out[a.key] = a.value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The `manifest` annotations for the image a build made of `config` (its platform's). */
export function manifestAnnotations(
  env: { opts: { annotations?: readonly BuildAnnotation[] } },
  config: { os: string; architecture: string; variant?: string },
): Record<string, string> | undefined {
  return annotationsOf(env.opts.annotations, "manifest", {
    os: config.os,
    architecture: config.architecture,
    ...(config.variant ? { variant: config.variant } : {}),
  });
}

/**
 * `build` flags of Docker's (buildx) exporters beyond `--output type=local|oci`: `--push`, `--load`,
 * `--output type=registry|image|docker` (the image into the store, pushed on request),
 * `--metadata-file`, and `--provenance`/`--sbom`/`--attest`, whose off values scripts pass to
 * BuildKit (wharf makes no attestations: `false` is what it does anyway; anything else is refused).
 */
import { writeFileSync } from "node:fs";
import type { BuildResult } from "../../build/index.js";
import { MediaType } from "../../oci/index.js";
import { flag } from "../command.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";
import { keyValues } from "../parse/key-values.js";
import { usage } from "./build-options.js";

export const BUILD_EXPORT_FLAGS: FlagSpec[] = [
  { name: "push", type: "bool", description: 'Shorthand for "--output=type=registry"' },
  { name: "load", type: "bool", description: 'Shorthand for "--output=type=docker"' },
  { name: "metadata-file", type: "string", description: "Write build result metadata to a file" },
  {
    name: "provenance",
    type: "string",
    description: 'Shorthand for "--attest=type=provenance" (only "false": wharf makes no attestations)',
  },
  {
    name: "sbom",
    type: "string",
    description: 'Shorthand for "--attest=type=sbom" (only "false": wharf makes no attestations)',
  },
  {
    name: "attest",
    type: "strings",
    valueName: "stringArray",
    description: 'Attestation parameters (only "type=...,disabled=true": wharf makes no attestations)',
  },
];

const OFF = new Set(["false", "0", "off"]);

/** Refuses an attestation wharf would have to make; accepts the ways of saying "none". */
function checkAttestations(f: ParsedFlags): void {
  const hint = "wharf build makes no provenance or SBOM attestations; drop the flag or pass false";
  for (const name of ["provenance", "sbom"]) {
    const v = flag.string(f, name);
    if (v !== undefined && !OFF.has(v.toLowerCase())) {
      throw usage(`--${name}=${v} is not supported: wharf build makes no attestations`, hint);
    }
  }
  for (const spec of flag.strings(f, "attest")) {
    const m = keyValues(spec);
    if (m.get("disabled") !== "true")
      throw usage(`--attest ${spec} is not supported: wharf build makes no attestations`, hint);
  }
}

export interface BuildExport {
  /** Outputs left for `--output`'s own parser (local, oci). */
  outputs: string[];
  push: boolean;
  /** Names given by `--output type=registry|image,name=...`, tagged like `-t`. */
  names: string[];
}

/**
 * Reads the exporter flags: `--push`, `--load`, and the `--output` types that keep the image in the
 * store (`docker` without a dest, `image`) or push it (`registry`, `image` with `push=true`).
 */
export function buildExportOf(f: ParsedFlags): BuildExport {
  checkAttestations(f);
  const out: BuildExport = { outputs: [], push: flag.bool(f, "push"), names: [] };
  for (const spec of flag.strings(f, "output")) {
    const m = spec.includes("=") ? keyValues(spec) : undefined;
    const type = m?.get("type");
    // `type=docker,dest=...` writes an archive (an exported output); without a dest it loads.
    const archive = type === "docker" && m?.get("dest") !== undefined;
    if (m === undefined || archive || (type !== "registry" && type !== "image" && type !== "docker")) {
      out.outputs.push(spec);
      continue;
    }
    const push = m.get("push");
    if (type === "registry" || push === "true") out.push = true;
    const name = m.get("name");
    if (name) out.names.push(name);
  }
  return out;
}

/** `--metadata-file`: what BuildKit writes of the image (its keys, for scripts that read them). */
export function writeMetadata(file: string, r: BuildResult): void {
  const doc = {
    // A multi-platform build's descriptor is its index: no one config (BuildKit leaves the key out).
    ...(r.manifest.mediaType === MediaType.ociIndex ? {} : { "containerimage.config.digest": r.id }),
    "containerimage.descriptor": {
      mediaType: r.manifest.mediaType,
      digest: r.manifest.digest,
      size: r.manifest.size,
    },
    "containerimage.digest": r.manifest.digest,
    ...(r.tags.length > 0 ? { "image.name": r.tags.join(",") } : {}),
  };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
}

/**
 * `build` flags of Docker's (buildx) exporters beyond `--output type=local|oci`: `--push`, `--load`,
 * `--output type=registry|image|docker` (the image into the store, pushed on request),
 * `--metadata-file`, and `--provenance`/`--sbom`/`--attest` (attestations).
 */
import { writeFileSync } from "node:fs";
import {
  type AttestRequest,
  type BuildResult,
  parseAttestFlag,
  parseProvenanceFlag,
} from "../../build/index.js";
import { MediaType } from "../../oci/index.js";
import { flag } from "../command.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";
import { keyValues } from "../parse/key-values.js";

export const BUILD_EXPORT_FLAGS: FlagSpec[] = [
  { name: "push", type: "bool", description: 'Shorthand for "--output=type=registry"' },
  { name: "load", type: "bool", description: 'Shorthand for "--output=type=docker"' },
  { name: "metadata-file", type: "string", description: "Write build result metadata to a file" },
  {
    name: "provenance",
    type: "string",
    description: 'Shorthand for "--attest=type=provenance"',
  },
  {
    name: "sbom",
    type: "string",
    description: 'Shorthand for "--attest=type=sbom"',
  },
  {
    name: "attest",
    type: "strings",
    valueName: "stringArray",
    description: 'Attestation parameters (format: "type=sbom,generator=image")',
  },
];

/**
 * `--provenance`, `--sbom` and `--attest` read as buildx reads them: a SLSA provenance
 * (`build/attest.ts`) and an SPDX SBOM of the image's OS packages (`build/attest-sbom.ts`). Off
 * values (`false`, `disabled=true`) are taken, as scripts pass them.
 */
export function attestationsOf(f: ParsedFlags): AttestRequest {
  const out: AttestRequest = {};
  for (const spec of flag.strings(f, "attest")) {
    const a = parseAttestFlag(spec);
    if (a.type === "sbom") {
      if (a.disabled) delete out.sbom;
      else out.sbom = true;
      continue;
    }
    if (a.request) out.provenance = a.request;
    else delete out.provenance;
  }
  // The shorthands come after the --attest values, as buildx appends them: they win.
  const sbom = flag.string(f, "sbom");
  if (sbom !== undefined) {
    const v = sbom.trim().toLowerCase();
    if (v === "" || v === "true" || v === "1") out.sbom = true;
    else if (OFF.has(v)) delete out.sbom;
    else {
      const a = parseAttestFlag(`type=sbom,${sbom}`, `--sbom=${sbom}`);
      if (a.type === "sbom" && !a.disabled) out.sbom = true;
      else delete out.sbom;
    }
  }
  const prov = flag.string(f, "provenance");
  if (prov !== undefined) {
    const req = parseProvenanceFlag(prov);
    if (req) out.provenance = req;
    else delete out.provenance;
  }
  return out;
}

const OFF = new Set(["false", "0", "off"]);

export interface BuildExport {
  /** Outputs left for `--output`'s own parser (local, oci). */
  outputs: string[];
  push: boolean;
  /** Names given by `--output type=registry|image,name=...`, tagged like `-t`. */
  names: string[];
  /** The attestations asked for (none: the build makes none, as Docker's default builder). */
  attest: AttestRequest;
}

/**
 * Reads the exporter flags: `--push`, `--load`, and the `--output` types that keep the image in the
 * store (`docker` without a dest, `image`) or push it (`registry`, `image` with `push=true`).
 */
export function buildExportOf(f: ParsedFlags): BuildExport {
  const out: BuildExport = { outputs: [], push: flag.bool(f, "push"), names: [], attest: attestationsOf(f) };
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

/** What BuildKit's `--metadata-file` holds of a built image (bake writes one per target). */
export function metadataOf(r: BuildResult): Record<string, unknown> {
  return {
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
}

/** `--metadata-file`: what BuildKit writes of the image (its keys, for scripts that read them). */
export function writeMetadata(file: string, r: BuildResult): void {
  writeFileSync(file, `${JSON.stringify(metadataOf(r), null, 2)}\n`);
}

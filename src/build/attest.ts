/**
 * Build attestations as BuildKit makes them: a SLSA provenance predicate (v0.2, BuildKit's default,
 * or v1) in an in-toto statement whose subject is a platform's image manifest, stored as BuildKit
 * stores attestations (docs/attestations/attestation-storage.md): one OCI image manifest per
 * platform (config `unknown/unknown`, one `application/vnd.in-toto+json` layer annotated with
 * `in-toto.io/predicate-type`), listed in the image's index after the platforms' manifests, with
 * platform `unknown/unknown` and the annotations `vnd.docker.reference.type: attestation-manifest`
 * and `vnd.docker.reference.digest: <the platform manifest>`.
 */
import type { ContentStore } from "../content/index.js";
import type { Digest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { storeDocument } from "../images/index.js";
import { type Descriptor, formatPlatform, MediaType, type Platform } from "../oci/index.js";
import { familiarName, parseReference } from "../reference/index.js";
import { rfc3339 } from "./time.js";

export const IN_TOTO_MEDIA_TYPE = "application/vnd.in-toto+json";
export const PREDICATE_TYPE_ANNOTATION = "in-toto.io/predicate-type";
export const REFERENCE_TYPE = "vnd.docker.reference.type";
export const REFERENCE_DIGEST = "vnd.docker.reference.digest";
export const ATTESTATION_MANIFEST = "attestation-manifest";
export const STATEMENT_V01 = "https://in-toto.io/Statement/v0.1";
export const STATEMENT_V1 = "https://in-toto.io/Statement/v1";
export const SLSA_V02 = "https://slsa.dev/provenance/v0.2";
export const SLSA_V1 = "https://slsa.dev/provenance/v1";
/** BuildKit's buildType for v0.2, and its extension keys there. */
export const BUILDKIT_BUILD_TYPE = "https://mobyproject.org/buildkit@v1";
const BUILDKIT_METADATA = "https://mobyproject.org/buildkit@v1#metadata";
const BUILDKIT_HERMETIC = "https://mobyproject.org/buildkit@v1#hermetic";
/** BuildKit's buildType for SLSA v1. */
export const BUILDKIT_BUILD_TYPE_V1 =
  "https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md";

/** `--provenance` / `--attest type=provenance`: what goes in the predicate. */
export interface ProvenanceRequest {
  mode: "min" | "max";
  version: "v0.2" | "v1";
  /** `builder-id=`: `builder.id` (BuildKit leaves it empty unless given). */
  builderId?: string;
  /** `reproducible=true`: `metadata.reproducible`. */
  reproducible?: boolean;
}

/** What `wharf build` was asked to attest (nothing: no attestation, the image as without the flag). */
export interface AttestRequest {
  provenance?: ProvenanceRequest;
  /** An SPDX document of the image's OS packages (`attest-sbom.ts`). */
  sbom?: boolean;
}

const OFF = new Set(["false", "0", "off"]);
const ON = new Set(["true", "1", "on"]);

function usage(message: string, hint: string): WharfError {
  return new WharfError("usage", message, { hint });
}

/** `k=v,k=v` (no quoting: attestation values hold no commas). */
function fields(spec: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of spec.split(",")) {
    const p = part.trim();
    if (p === "") continue;
    const i = p.indexOf("=");
    if (i < 0) m.set(p.toLowerCase(), "");
    else m.set(p.slice(0, i).trim().toLowerCase(), p.slice(i + 1).trim());
  }
  return m;
}

/** The provenance keys BuildKit's attestation takes (`type` and `disabled` read before). */
function provenanceOf(m: Map<string, string>, flagName: string): ProvenanceRequest {
  const req: ProvenanceRequest = { mode: "min", version: "v0.2" };
  for (const [k, v] of m) {
    if (k === "type" || k === "disabled") continue;
    if (k === "mode") {
      if (v !== "min" && v !== "max")
        throw usage(
          `invalid provenance mode "${v}" in ${flagName}`,
          "use mode=min (the default) or mode=max",
        );
      req.mode = v;
    } else if (k === "version") {
      if (v !== "v0.2" && v !== "v1")
        throw usage(
          `invalid provenance version "${v}" in ${flagName}`,
          "use version=v0.2 (the default) or version=v1",
        );
      req.version = v;
    } else if (k === "builder-id") {
      req.builderId = v;
    } else if (k === "reproducible") {
      req.reproducible = ON.has(v.toLowerCase());
    } else if (k === "min" || k === "max") {
      req.mode = k;
    } else {
      throw usage(
        `unknown provenance attribute "${k}" in ${flagName}`,
        "use mode=min|max, version=v0.2|v1, builder-id=URL, reproducible=true",
      );
    }
  }
  return req;
}

/**
 * `--provenance VALUE` (buildx's shorthand for `--attest type=provenance,VALUE`): `true`/`false`
 * (and 1/0), or the attributes (`mode=max,version=v1`). undefined: switched off.
 */
export function parseProvenanceFlag(value: string): ProvenanceRequest | undefined {
  const v = value.trim().toLowerCase();
  if (OFF.has(v)) return undefined;
  if (ON.has(v) || v === "") return { mode: "min", version: "v0.2" };
  const m = fields(value);
  if (m.get("disabled") === "true") return undefined;
  return provenanceOf(m, `--provenance=${value}`);
}

/** One `--attest` value: `type=provenance,...`, `type=sbom,...`, either with `disabled=true`. */
export type AttestSpec =
  | { type: "provenance"; request: ProvenanceRequest | undefined }
  | { type: "sbom"; disabled: boolean };

export function parseAttestFlag(spec: string, flagName = `--attest ${spec}`): AttestSpec {
  const m = fields(spec);
  const type = m.get("type");
  const disabled = m.get("disabled") === "true";
  if (type === "provenance") return { type, request: disabled ? undefined : provenanceOf(m, flagName) };
  if (type === "sbom") {
    for (const k of m.keys()) {
      if (k === "type" || k === "disabled") continue;
      throw usage(
        `${flagName}: "${k}" is not supported`,
        k === "generator"
          ? "wharf reads the image's package databases itself: it runs no scanner image"
          : "use --attest type=sbom",
      );
    }
    return { type, disabled };
  }
  throw usage(
    type === undefined
      ? `invalid --attest ${spec}: type is required`
      : `invalid --attest ${spec}: unknown attestation type "${type}"`,
    "use --attest type=provenance[,mode=min|max] (or type=sbom,disabled=true)",
  );
}

/** What one build of one platform read and did, for its provenance (build.ts's `BuildResult.provenance`). */
export interface ProvenanceInputs {
  /** The Dockerfile's name (`-f`'s base name, `Dockerfile`) and text. */
  dockerfile: { name: string; text: string };
  /** The context: a local directory (`context`), stdin, or a URL. */
  context: { kind: "local" | "stdin" | "remote"; url?: string };
  /** The images the build resolved (FROM, `COPY --from`, image contexts), with the manifest digest it used. */
  materials: { ref: string; digest: Digest; platform?: string }[];
  /** Each step the build applied (run or taken from the cache), in the order it was applied. */
  steps: { createdBy: string; key: Digest; layer?: Descriptor }[];
}

/** The rest of a provenance: the request's parameters and the run's times. */
export interface ProvenanceParams {
  request: ProvenanceRequest;
  /** The image manifest this statement is about, and the names it is recorded under. */
  subject: Digest;
  names: readonly string[];
  platform: Platform;
  inputs: ProvenanceInputs;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  target?: string;
  /** `--platform` as given (BuildKit's frontend attr). */
  platformArg?: string;
  noCache?: boolean;
  secrets: { id: string; optional: boolean }[];
  ssh: { id: string; optional: boolean }[];
  /** `--network none`: no RUN had the network. */
  networkNone: boolean;
  invocationId: string;
  started: Date;
  finished: Date;
  /** The machine the build ran on (`invocation.environment.platform`). */
  builderPlatform: Platform;
}

export interface InTotoStatement {
  _type: string;
  predicateType: string;
  subject: { name: string; digest: Record<string, string> }[];
  predicate: Record<string, unknown>;
}

const hexOf = (d: string): string => d.slice(d.indexOf(":") + 1);
const digestMap = (d: string): Record<string, string> => ({ [d.slice(0, d.indexOf(":"))]: hexOf(d) });

/**
 * A Package URL of a Docker image as BuildKit writes it (`purl.RefToPURL`): the familiar name
 * (`alpine`, `user/app`, `ghcr.io/o/app`), `@tag` (a digest without a tag goes in `digest=`), and
 * the platform qualifier, escaped (`?platform=linux%2Famd64`).
 */
export function dockerPurl(name: string, platform?: Platform): string {
  const ref = parseReference(name);
  const fam = familiarName(ref);
  const version = ref.tag ?? (ref.digest ? undefined : "latest");
  const q: string[] = [];
  if (ref.digest && !ref.tag) q.push(`digest=${encodeURIComponent(ref.digest)}`);
  if (platform) q.push(`platform=${encodeURIComponent(formatPlatform(platform))}`);
  return `pkg:docker/${fam}${version ? `@${version}` : ""}${q.length ? `?${q.sort().join("&")}` : ""}`;
}

/** The materials: each resolved image once, as a purl with the digest it resolved to. */
function materialsOf(
  inputs: ProvenanceInputs,
  platform: Platform,
): { uri: string; digest: Record<string, string> }[] {
  const seen = new Set<string>();
  const out: { uri: string; digest: Record<string, string> }[] = [];
  for (const m of inputs.materials) {
    let uri: string;
    try {
      const p = m.platform ? parsePlatformLoose(m.platform) : platform;
      uri = dockerPurl(m.ref, p);
    } catch {
      uri = m.ref;
    }
    const key = `${uri}\0${m.digest}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ uri, digest: digestMap(m.digest) });
  }
  return out;
}

function parsePlatformLoose(s: string): Platform {
  const [os = "", architecture = "", variant] = s.split("/");
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** The frontend's attributes as BuildKit receives them from buildx (min: without build args and labels). */
function frontendArgs(p: ProvenanceParams): Record<string, string> {
  const args: Record<string, string> = {};
  const max = p.request.mode === "max";
  if (max) {
    for (const [k, v] of Object.entries(p.buildArgs)) args[`build-arg:${k}`] = v;
    for (const [k, v] of Object.entries(p.labels)) args[`label:${k}`] = v;
  }
  if (p.noCache) args["no-cache"] = "";
  if (p.platformArg) args.platform = p.platformArg;
  if (p.target) args.target = p.target;
  return Object.fromEntries(Object.entries(args).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `locals` as buildx sends them: the context and the Dockerfile's directory (none for a URL context). */
function localsOf(p: ProvenanceParams): { name: string }[] {
  return p.inputs.context.kind === "remote" ? [] : [{ name: "context" }, { name: "dockerfile" }];
}

/** BuildKit: hermetic when no step had the network (no RUN, or `--network=none`). */
function hermetic(p: ProvenanceParams): boolean {
  return p.networkNone || !p.inputs.steps.some((s) => s.createdBy.startsWith("RUN "));
}

/**
 * `mode=max`'s build steps. BuildKit lists its LLB definition; wharf has no LLB, so each step the
 * build applied is listed in order with its cache key (the sha256 of its inputs), its history line
 * (the instruction as built) and the layer it made: `llbDefinition` keeps BuildKit's name and shape
 * (`id`, `op`, `inputs`), with `op` wharf's own.
 */
function buildConfigOf(p: ProvenanceParams): Record<string, unknown> {
  return {
    llbDefinition: p.inputs.steps.map((s, i) => ({
      id: `step${i}`,
      op: {
        wharf: {
          createdBy: s.createdBy,
          cacheKey: s.key,
          ...(s.layer
            ? { layer: { mediaType: s.layer.mediaType, digest: s.layer.digest, size: s.layer.size } }
            : {}),
        },
        platform: platformJson(p.platform),
      },
      inputs: i > 0 ? [`step${i - 1}:0`] : [],
    })),
  };
}

function platformJson(pl: Platform): Record<string, string> {
  return { Architecture: pl.architecture, OS: pl.os, ...(pl.variant ? { Variant: pl.variant } : {}) };
}

/** `source` of BuildKit's metadata (max): the Dockerfile as the one source info. */
function sourceOf(p: ProvenanceParams): Record<string, unknown> {
  return {
    locations: {},
    infos: [
      {
        filename: p.inputs.dockerfile.name,
        language: "Dockerfile",
        data: Buffer.from(p.inputs.dockerfile.text).toString("base64"),
      },
    ],
  };
}

function layersOf(p: ProvenanceParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  p.inputs.steps.forEach((s, i) => {
    if (s.layer)
      out[`step${i}:0`] = [[{ mediaType: s.layer.mediaType, digest: s.layer.digest, size: s.layer.size }]];
  });
  return out;
}

/** BuildKit's subjects: each name as a purl with the platform (`_` for an unnamed image), the manifest's digest. */
export function subjectsOf(
  p: Pick<ProvenanceParams, "names" | "platform" | "subject">,
): InTotoStatement["subject"] {
  const names = p.names.length > 0 ? p.names.map((n) => dockerPurl(n, p.platform)) : ["_"];
  return names.map((name) => ({ name, digest: digestMap(p.subject) }));
}

/** The SLSA v0.2 predicate BuildKit writes (Go's field order). */
export function provenanceV02(p: ProvenanceParams): Record<string, unknown> {
  const max = p.request.mode === "max";
  const configSource =
    p.inputs.context.kind === "remote" && p.inputs.context.url
      ? { uri: p.inputs.context.url, entryPoint: p.inputs.dockerfile.name }
      : { entryPoint: p.inputs.dockerfile.name };
  return {
    builder: { id: p.request.builderId ?? "" },
    buildType: BUILDKIT_BUILD_TYPE,
    materials: materialsOf(p.inputs, p.platform),
    invocation: {
      configSource,
      parameters: {
        frontend: "dockerfile.v0",
        args: frontendArgs(p),
        ...(max && p.secrets.length ? { secrets: p.secrets } : {}),
        ...(max && p.ssh.length ? { ssh: p.ssh } : {}),
        locals: localsOf(p),
      },
      environment: { platform: formatPlatform(p.builderPlatform) },
    },
    ...(max ? { buildConfig: buildConfigOf(p) } : {}),
    metadata: {
      buildInvocationID: p.invocationId,
      buildStartedOn: rfc3339(p.started),
      buildFinishedOn: rfc3339(p.finished),
      completeness: { parameters: max, environment: true, materials: false },
      reproducible: p.request.reproducible === true,
      [BUILDKIT_HERMETIC]: hermetic(p),
      ...(max ? { [BUILDKIT_METADATA]: { source: sourceOf(p), layers: layersOf(p) } } : {}),
    },
  };
}

/** The SLSA v1 predicate BuildKit writes with `version=v1`. */
export function provenanceV1(p: ProvenanceParams): Record<string, unknown> {
  const max = p.request.mode === "max";
  const configSource =
    p.inputs.context.kind === "remote" && p.inputs.context.url
      ? { uri: p.inputs.context.url, path: p.inputs.dockerfile.name }
      : { path: p.inputs.dockerfile.name };
  return {
    buildDefinition: {
      buildType: BUILDKIT_BUILD_TYPE_V1,
      externalParameters: {
        configSource,
        request: {
          frontend: "dockerfile.v0",
          args: frontendArgs(p),
          ...(max && p.secrets.length ? { secrets: p.secrets } : {}),
          ...(max && p.ssh.length ? { ssh: p.ssh } : {}),
          locals: localsOf(p),
        },
      },
      internalParameters: {
        ...(max ? { buildConfig: buildConfigOf(p) } : {}),
        builderPlatform: formatPlatform(p.builderPlatform),
      },
      resolvedDependencies: materialsOf(p.inputs, p.platform),
    },
    runDetails: {
      builder: { id: p.request.builderId ?? "" },
      metadata: {
        invocationID: p.invocationId,
        startedOn: rfc3339(p.started),
        finishedOn: rfc3339(p.finished),
        buildkit_completeness: { request: max, resolvedDependencies: false },
        buildkit_hermetic: hermetic(p),
        buildkit_reproducible: p.request.reproducible === true,
        ...(max ? { buildkit_metadata: { source: sourceOf(p), layers: layersOf(p) } } : {}),
      },
    },
  };
}

/** The in-toto statement of a platform's provenance (v0.1 statement for SLSA v0.2, v1 for v1). */
export function provenanceStatement(p: ProvenanceParams): InTotoStatement {
  const v1 = p.request.version === "v1";
  return {
    _type: v1 ? STATEMENT_V1 : STATEMENT_V01,
    predicateType: v1 ? SLSA_V1 : SLSA_V02,
    subject: subjectsOf(p),
    predicate: v1 ? provenanceV1(p) : provenanceV02(p),
  };
}

/**
 * Stores the attestation manifest of `statements` (about the image manifest `ref`): each statement
 * one in-toto layer, a config of `unknown/unknown` whose diff IDs are the layers' digests, an OCI
 * manifest. Returns its descriptor as the index lists it.
 */
export async function storeAttestationManifest(
  content: ContentStore,
  ref: Descriptor,
  statements: readonly InTotoStatement[],
): Promise<Descriptor> {
  const layers: Descriptor[] = [];
  for (const s of statements) {
    const d = await storeDocument(content, IN_TOTO_MEDIA_TYPE, Buffer.from(JSON.stringify(s, null, 2)));
    layers.push({
      ...d,
      mediaType: IN_TOTO_MEDIA_TYPE,
      annotations: { [PREDICATE_TYPE_ANNOTATION]: s.predicateType },
    });
  }
  const config = {
    architecture: "unknown",
    os: "unknown",
    config: {},
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) },
  };
  const configDesc = await storeDocument(content, MediaType.ociConfig, Buffer.from(JSON.stringify(config)));
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: configDesc.digest, size: configDesc.size },
    layers,
  };
  const m = await storeDocument(content, MediaType.ociManifest, Buffer.from(JSON.stringify(manifest)));
  return {
    mediaType: MediaType.ociManifest,
    digest: m.digest,
    size: m.size,
    annotations: { [REFERENCE_DIGEST]: ref.digest, [REFERENCE_TYPE]: ATTESTATION_MANIFEST },
    platform: { architecture: "unknown", os: "unknown" },
  };
}

/** True for an index entry that is an attestation manifest (BuildKit's, or any `unknown/unknown`). */
export function isAttestationEntry(d: Descriptor): boolean {
  return d.annotations?.[REFERENCE_TYPE] === ATTESTATION_MANIFEST || d.platform?.os === "unknown";
}

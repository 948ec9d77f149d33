import { type ContentStore, openFsContentStore } from "../../content/index.js";
import { algorithmOf, type Bytes, collect, type Digest, digestOf } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import {
  collectGraph,
  type Descriptor,
  type ImageConfig,
  isIndexMediaType,
  isManifestMediaType,
  layerCompression,
  type Manifest,
  MediaType,
  normalizePlatform,
  parseImageConfig,
  type WalkNode,
} from "../../oci/index.js";
import { descriptorOf, fetchManifest, openBlob, type Repository } from "../../remote/index.js";
import { entriesOf } from "../entries.js";
import { fsRecords } from "../records.js";
import { type Hashed, hashBlob } from "./validate-blob.js";

/** Where the validator reads an image's graph from: a content store, a registry. */
export interface BlobSource {
  /** An index's or manifest's bytes, or undefined when absent. */
  document(d: Descriptor): Promise<Uint8Array | undefined>;
  /** A blob's bytes as a stream, or undefined when absent. */
  blob(d: Descriptor): Promise<Bytes | undefined>;
}

/** What was checked, so that a test can tell that something was. */
export interface ValidationReport {
  /** Indexes and manifests re-hashed. */
  documents: number;
  /** Configs, layers and other blobs re-hashed. */
  blobs: number;
  /** Image manifests whose config, media types and diff IDs were checked. */
  images: number;
  /** Layers whose diff ID was recomputed and compared with the config's. */
  diffIds: number;
  /** Bytes re-hashed. */
  bytes: number;
}

export interface ValidateOptions {
  /** An index entry that is absent: `skip` (a store pulled for one platform; default) or `fail`. */
  missing?: "skip" | "fail";
}

const OCI_LAYERS: readonly string[] = [
  MediaType.ociLayer,
  MediaType.ociLayerGzip,
  MediaType.ociLayerZstd,
  MediaType.ociLayerNondistributable,
  MediaType.ociLayerNondistributableGzip,
  MediaType.ociLayerNondistributableZstd,
];
const DOCKER_LAYERS: readonly string[] = [MediaType.dockerLayer, MediaType.dockerForeignLayer];
const CONFIG_LIMIT = 4 << 20;

interface State {
  report: ValidationReport;
  problems: string[];
  nodes: WalkNode[];
  /** Blobs by digest: hashed (with the diff ID of a layer), or absent. */
  blobs: Map<Digest, Hashed | "absent">;
  /** Configs by digest, parsed (or why not). */
  configs: Map<Digest, ImageConfig | Error>;
}

async function hashNodeBlob(s: State, n: WalkNode, src: Bytes): Promise<void> {
  const d = n.descriptor;
  let h: Hashed;
  if (n.role === "config") {
    const bytes = await collect(src, CONFIG_LIMIT);
    h = { digest: digestOf(bytes, algorithmOf(d.digest)), size: bytes.byteLength };
    try {
      s.configs.set(d.digest, parseImageConfig(bytes));
    } catch (e) {
      // Artifacts have configs of their own: only an image's must parse (checkManifest says so).
      s.configs.set(d.digest, e as Error);
    }
  } else {
    const compression = n.role === "layer" ? layerCompression(d.mediaType) : undefined;
    h = await hashBlob(src, d.digest, compression);
  }
  s.blobs.set(d.digest, h);
  s.report.blobs++;
  s.report.bytes += h.size;
  if (h.digest !== d.digest) s.problems.push(`${n.role} ${d.digest}: its bytes hash to ${h.digest}`);
  if (h.size !== d.size)
    s.problems.push(`${n.role} ${d.digest}: ${h.size} bytes, its descriptor says ${d.size}`);
  if (h.diffError !== undefined)
    s.problems.push(`${n.role} ${d.digest}: does not decompress: ${h.diffError}`);
}

async function checkNode(s: State, n: WalkNode, source: BlobSource): Promise<void> {
  const d = n.descriptor;
  if (n.bytes) {
    s.report.documents++;
    s.report.bytes += n.bytes.byteLength;
    const got = digestOf(n.bytes, algorithmOf(d.digest));
    if (got !== d.digest) s.problems.push(`${n.role} ${d.digest}: its bytes hash to ${got}`);
    if (n.document?.kind === "index") {
      for (const c of n.document.index.manifests) {
        if (!isManifestMediaType(c.mediaType) && !isIndexMediaType(c.mediaType)) {
          s.problems.push(`index ${d.digest}: entry ${c.digest} has media type ${c.mediaType}`);
        }
      }
    }
    return;
  }
  if (n.missing) return;
  const src = await source.blob(d);
  if (src === undefined) {
    s.blobs.set(d.digest, "absent");
    // A foreign layer lives at its URLs; whatever else the graph names must be here.
    if (!n.foreign) s.problems.push(`${n.role} ${d.digest} is missing`);
    return;
  }
  try {
    await hashNodeBlob(s, n, src);
  } catch (e) {
    s.problems.push(`${n.role} ${d.digest}: ${(e as Error).message}`);
  }
}

/** An image manifest's media types, config, platform and diff IDs; artifacts get their hashes checked only. */
function checkManifest(s: State, n: WalkNode, mediaType: string, m: Manifest): void {
  const at = `manifest ${n.descriptor.digest}`;
  const docker = mediaType === MediaType.dockerManifest;
  const entryPlatform = n.descriptor.platform;
  if (docker && m.config.mediaType !== MediaType.dockerConfig) {
    s.problems.push(`${at}: a Docker manifest with config media type ${m.config.mediaType}`);
  }
  if (!docker && m.config.mediaType === MediaType.dockerConfig) {
    s.problems.push(`${at}: an OCI manifest with Docker's config media type`);
  }
  // An OCI manifest with another config is an artifact; BuildKit's attestations say unknown/unknown.
  const image = docker || (m.config.mediaType === MediaType.ociConfig && entryPlatform?.os !== "unknown");
  if (!image) return;
  s.report.images++;
  const allowed = docker ? DOCKER_LAYERS : OCI_LAYERS;
  for (const l of m.layers) {
    if (!allowed.includes(l.mediaType))
      s.problems.push(`${at}: layer ${l.digest} has media type ${l.mediaType}`);
  }
  const config = s.configs.get(m.config.digest);
  if (config === undefined) return; // missing or unreadable: reported already
  if (config instanceof Error) {
    s.problems.push(`${at}: config ${m.config.digest}: ${config.message}`);
    return;
  }
  if (entryPlatform) {
    const want = normalizePlatform(entryPlatform);
    const have = normalizePlatform({
      os: config.os,
      architecture: config.architecture,
      variant: config.variant,
    });
    const variantDiffers = want.variant !== undefined && want.variant !== have.variant;
    if (want.os !== have.os || want.architecture !== have.architecture || variantDiffers) {
      s.problems.push(
        `${at}: the index says ${JSON.stringify(entryPlatform)}, the config ${JSON.stringify(have)}`,
      );
    }
  }
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== m.layers.length) {
    s.problems.push(`${at}: ${m.layers.length} layers, ${diffIds.length} diff IDs in the config`);
    return;
  }
  m.layers.forEach((l, i) => {
    const h = s.blobs.get(l.digest);
    if (h === undefined || h === "absent" || h.diffId === undefined) return; // reported, or foreign
    s.report.diffIds++;
    if (h.diffId !== diffIds[i]) {
      s.problems.push(
        `${at}: layer ${i} (${l.digest}) uncompresses to ${h.diffId}, the config says ${diffIds[i]}`,
      );
    }
  });
}

function fail(problems: readonly string[]): never {
  throw new Error(`image validation failed:\n  ${problems.join("\n  ")}`);
}

/**
 * Walks the graph from `roots` (`walkGraph`) and re-checks all of it: every document and blob
 * re-hashed against its digest and size, each config parsed, each layer's diff ID recomputed and
 * compared with the config's `rootfs.diff_ids`, and the media types (layers allowed for the
 * manifest's kind, the config's type, an index's entries) and platforms (an index entry's against
 * its config). Throws one Error listing every problem; returns what it checked.
 */
export async function validateGraph(
  roots: readonly Descriptor[],
  source: BlobSource,
  opts: ValidateOptions = {},
): Promise<{ report: ValidationReport; nodes: WalkNode[] }> {
  if (roots.length === 0) fail(["nothing to validate: no roots"]);
  const s: State = {
    report: { documents: 0, blobs: 0, images: 0, diffIds: 0, bytes: 0 },
    problems: [],
    nodes: [],
    blobs: new Map(),
    configs: new Map(),
  };
  try {
    s.nodes = await collectGraph(roots, (d) => source.document(d), { missing: opts.missing ?? "skip" });
  } catch (e) {
    fail([(e as Error).message]);
  }
  for (const n of s.nodes) await checkNode(s, n, source);
  for (const n of s.nodes) {
    if (n.document?.kind === "manifest") checkManifest(s, n, n.document.mediaType, n.document.manifest);
  }
  if (s.problems.length > 0) fail(s.problems);
  return { report: s.report, nodes: s.nodes };
}

/** A content store as a source. */
export function storeSource(content: ContentStore): BlobSource {
  const present = async (d: Descriptor) => (await content.info(d.digest)) !== undefined;
  return {
    document: async (d) =>
      (await present(d)) ? collect(await content.read(d.digest), CONFIG_LIMIT) : undefined,
    blob: async (d) => ((await present(d)) ? content.read(d.digest) : undefined),
  };
}

/** Validates the images reachable from `roots` in a content store (an index's absent entries skipped). */
export async function validateStore(
  content: ContentStore,
  roots: readonly Descriptor[],
  opts: ValidateOptions = {},
): Promise<ValidationReport> {
  return (await validateGraph(roots, storeSource(content), opts)).report;
}

/**
 * Validates an image store: every image its records name (`index.json` entries, other tools' too),
 * and every wharf entry's image ID against the config of the manifest it records.
 */
export async function validateImages(images: {
  content: ContentStore;
  records: { read(): Promise<Descriptor[]> };
}): Promise<ValidationReport> {
  const descs = await images.records.read();
  const { report, nodes } = await validateGraph(descs, storeSource(images.content));
  const problems: string[] = [];
  for (const e of entriesOf(descs)) {
    const m = nodes.find((n) => n.descriptor.digest === e.manifest)?.document;
    if (m?.kind !== "manifest")
      problems.push(`entry ${e.name ?? e.id}: manifest ${e.manifest} is not stored`);
    else if (m.manifest.config.digest !== e.id) {
      problems.push(
        `entry ${e.name ?? e.id}: image ID ${e.id}, but its manifest's config is ${m.manifest.config.digest}`,
      );
    }
  }
  if (problems.length > 0) fail(problems);
  return report;
}

/** Validates a wharf root's store (`<root>/store`), as `validateImages` does. */
export async function validateRoot(root: string): Promise<ValidationReport> {
  const content = await openFsContentStore(root);
  return validateImages({ content, records: await fsRecords(content.paths) });
}

const absent = (e: unknown) =>
  e instanceof WharfError && ["not-found", "blob-unknown", "manifest-unknown"].includes(e.code);

/** Validates what `reference` names in a repository, through the client (every index entry must be there). */
export async function validateRegistry(
  repo: Repository,
  reference: string,
  opts: ValidateOptions = {},
): Promise<ValidationReport> {
  const top = await fetchManifest(repo, reference);
  const source: BlobSource = {
    document: async (d) => {
      if (d.digest === top.digest) return top.bytes;
      return fetchManifest(repo, d.digest).then(
        (m) => m.bytes,
        (e) => (absent(e) ? undefined : Promise.reject(e)),
      );
    },
    blob: (d) =>
      openBlob(repo, d.digest).then(
        (b) => b.body,
        (e) => (absent(e) ? undefined : Promise.reject(e)),
      ),
  };
  return (await validateGraph([descriptorOf(top)], source, { missing: opts.missing ?? "fail" })).report;
}

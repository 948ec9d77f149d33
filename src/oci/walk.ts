import type { Digest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { isIndexMediaType, isManifestMediaType } from "./media-types.js";
import type { Descriptor, ManifestDocument } from "./types.js";
import { parseManifestDocument } from "./validate.js";

/** What a descriptor is to the graph: a document the walk reads, or a blob it never reads. */
export type WalkRole = "index" | "manifest" | "config" | "layer" | "blob";

export interface WalkNode {
  descriptor: Descriptor;
  role: WalkRole;
  /** The node whose document names this one (its subject for a referrer); undefined for a root. */
  parent: WalkNode | undefined;
  /** 0 for a root, the parent's depth + 1 otherwise. */
  depth: number;
  /** Reached through `referrers` (its `subject` is the parent), not named by the parent. */
  referrer: boolean;
  /** A layer with `urls`: its bytes live elsewhere (see `isForeignLayer`). */
  foreign: boolean;
  /** An index or manifest that `read` did not find (visited only with `missing: "visit"`). */
  missing: boolean;
  /** An index or manifest whose bytes are not a valid document of its descriptor (`invalid: "visit"`). */
  invalid: boolean;
  /** The parsed document and its bytes, for an index or manifest that was read. */
  document?: ManifestDocument;
  bytes?: Uint8Array;
}

/** Reads an index or manifest: its bytes, or undefined when it is absent. Never asked for a blob. */
export type ReadDocument = (d: Descriptor) => Promise<Uint8Array | undefined>;

export interface WalkOptions {
  /**
   * An index or manifest that `read` says is absent (the other platforms of an index pulled for
   * one): `fail` with `blob-unknown` (default), `skip` it, or `visit` it with `missing: true`.
   * A missing node's children are unknown and not visited.
   */
  missing?: "fail" | "skip" | "visit";
  /** Layers with `urls`: `visit` them (default, with `foreign: true`), `skip` them, or `fail`. */
  foreign?: "visit" | "skip" | "fail";
  /**
   * A document that is not valid (bad JSON, wrong kind for its media type, wrong size): `fail`
   * (default, `manifest-invalid`) or `visit` it with `invalid: true` and no children. `visit` also
   * covers a document whose `read` throws or that nests too deep (garbage collection keeps what it
   * cannot read).
   */
  invalid?: "fail" | "visit";
  /** Which entries of an index to follow (default all); may throw, e.g. for no matching platform. */
  select?: (entries: readonly Descriptor[], index: WalkNode) => readonly Descriptor[];
  /** The manifests whose `subject` is `d` (a registry's referrers API); visited after d's children. */
  referrers?: (d: Descriptor) => Promise<readonly Descriptor[]>;
  /** Documents deeper than this fail with `manifest-invalid` (default 8: indexes of indexes). */
  maxDepth?: number;
}

/** A layer whose bytes are served from its `urls`, not by the registry (Docker's and Distribution's test). */
export function isForeignLayer(d: Descriptor): boolean {
  return (d.urls?.length ?? 0) > 0;
}

function documentRole(mediaType: string): WalkRole {
  if (isIndexMediaType(mediaType)) return "index";
  return isManifestMediaType(mediaType) ? "manifest" : "blob";
}

function node(
  descriptor: Descriptor,
  role: WalkRole,
  parent: WalkNode | undefined,
  referrer = false,
): WalkNode {
  return {
    descriptor,
    role,
    parent,
    depth: parent ? parent.depth + 1 : 0,
    referrer,
    foreign: role === "layer" && isForeignLayer(descriptor),
    missing: false,
    invalid: false,
  };
}

function parse(n: WalkNode, bytes: Uint8Array): ManifestDocument {
  const d = n.descriptor;
  if (bytes.byteLength !== d.size) {
    throw new WharfError(
      "manifest-invalid",
      `${d.digest} is ${bytes.byteLength} bytes, not the ${d.size} its descriptor says`,
    );
  }
  const doc = parseManifestDocument(bytes, d.mediaType);
  if (doc.kind !== n.role) {
    throw new WharfError(
      "manifest-invalid",
      `${d.digest} is an image ${doc.kind}, not the ${n.role} its descriptor says`,
    );
  }
  return doc;
}

type Loaded = { bytes: Uint8Array; doc: ManifestDocument } | "missing";

async function load(n: WalkNode, read: ReadDocument, maxDepth: number): Promise<Loaded> {
  if (n.depth > maxDepth) {
    throw new WharfError(
      "manifest-invalid",
      `${n.descriptor.digest}: indexes nest more than ${maxDepth} deep`,
    );
  }
  const bytes = await read(n.descriptor);
  return bytes === undefined ? "missing" : { bytes, doc: parse(n, bytes) };
}

/**
 * Walks the descriptor graph from `roots`: an index's manifests (those `select` picks), a
 * manifest's config and layers, and each document's referrers beside it. Depth first, in document
 * order, each digest once (the first path to it wins). Only indexes and manifests are read, through
 * `read`, and parsed with `parseManifestDocument`; configs and layers are visited, never read.
 */
export async function* walkGraph(
  roots: readonly Descriptor[],
  read: ReadDocument,
  opts: WalkOptions = {},
): AsyncGenerator<WalkNode> {
  const maxDepth = opts.maxDepth ?? 8;
  const seen = new Set<Digest>();
  const stack = roots.map((r) => node(r, documentRole(r.mediaType), undefined)).reverse();
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    if (seen.has(n.descriptor.digest)) continue;
    seen.add(n.descriptor.digest);
    if (n.foreign && opts.foreign === "skip") continue;
    if (n.foreign && opts.foreign === "fail") {
      throw new WharfError(
        "unsupported",
        `layer ${n.descriptor.digest} is a foreign layer, served from elsewhere`,
        {
          hint: "wharf does not fetch foreign (non-distributable) layers from their URLs",
        },
      );
    }
    if (n.role !== "index" && n.role !== "manifest") {
      yield n;
      continue;
    }
    let loaded: Loaded;
    try {
      loaded = await load(n, read, maxDepth);
    } catch (e) {
      if (opts.invalid !== "visit") throw e;
      yield { ...n, invalid: true };
      continue;
    }
    if (loaded === "missing") {
      if (opts.missing === "skip") continue;
      if (opts.missing !== "visit") {
        throw new WharfError("blob-unknown", `${n.role} ${n.descriptor.digest} is not stored`, {
          hint: "pull the image again to fetch what is missing",
        });
      }
      yield { ...n, missing: true };
      continue;
    }
    const { doc, bytes } = loaded;
    const visited: WalkNode = { ...n, document: doc, bytes };
    const children =
      doc.kind === "index"
        ? (opts.select?.(doc.index.manifests, visited) ?? doc.index.manifests).map((d) =>
            node(d, documentRole(d.mediaType), visited),
          )
        : [
            node(doc.manifest.config, "config", visited),
            ...doc.manifest.layers.map((d) => node(d, "layer", visited)),
          ];
    const referrers = (await opts.referrers?.(n.descriptor)) ?? [];
    children.push(...referrers.map((d) => node(d, documentRole(d.mediaType), visited, true)));
    yield visited;
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as WalkNode);
  }
}

/** Every node of the walk, in order (for callers that want the whole graph of one image at once). */
export async function collectGraph(
  roots: readonly Descriptor[],
  read: ReadDocument,
  opts: WalkOptions = {},
): Promise<WalkNode[]> {
  const out: WalkNode[] = [];
  for await (const n of walkGraph(roots, read, opts)) out.push(n);
  return out;
}

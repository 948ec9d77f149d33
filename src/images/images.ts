import { type ContentStore, openFsContentStore } from "../content/index.js";
import type { Digest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { type Descriptor, isIndexMediaType, walkGraph } from "../oci/index.js";
import { formatReference } from "../reference/index.js";
import { adoptForeignEntries } from "./adopt.js";
import { imageGraph, requireContent, storeReader } from "./documents.js";
import { ANNOTATION, entriesOf, makeEntry, normalizeName, REF_NAME, setName, targetOf } from "./entries.js";
import { createLease, leasedDigests, leasedStore } from "./lease.js";
import { fsRecords, memoryRecords, type RecordStore } from "./records.js";

/** What `record` accepts: pull and push give all of it; a build gives no name for an untagged image. */
export interface RecordEntry {
  /** A reference (normalised here: `app` is `docker.io/library/app:latest`); none for an unnamed image. */
  name?: string;
  /** The top document: an index, or the image manifest itself. */
  target: Descriptor;
  /**
   * The image manifest (chosen from the index for this machine). Defaults to the one `name` already
   * records for this target (push re-records a name it looked up), else to `target` itself.
   */
  manifest?: Descriptor;
  /** `registry/repo@sha256:...`, kept as a digest reference of the image. */
  repoDigest?: string;
  /**
   * Manifests whose unnamed entries this one replaces, in the same update: the platform images a
   * multi-platform build recorded one by one before it made their index.
   */
  replaces?: readonly Digest[];
}

/** The local image store: blobs in `content`, names in `records` (the layout's `index.json`). */
export interface Images {
  readonly content: ContentStore;
  readonly records: RecordStore;
  /** What `name` points at (a clean descriptor: no wharf annotations), if anything. */
  lookup(name: string): Promise<Descriptor | undefined>;
  /** Points `name` and `repoDigest` at the image (structurally the client's `ImageRecorder`). */
  record(entry: RecordEntry): Promise<void>;
  /** Digests that other instances' live leases hold (a filesystem root only); see `lease.ts`. */
  leased(): Promise<Set<Digest>>;
  /** Releases this instance's lease: what it stored but did not name may now be collected. */
  close(): Promise<void>;
}

export interface OpenImagesOptions {
  content: ContentStore;
  /** Defaults to records in memory. */
  records?: RecordStore;
}

/**
 * Opens the image store under a wharf root (`<root>/store`, an OCI image layout), or over a given
 * content store (records in memory unless given). Under a root, images other tools put in the layout
 * with a full reference as their name are taken in first (`adopt.ts`).
 */
export async function openImages(rootOrOptions: string | OpenImagesOptions): Promise<Images> {
  if (typeof rootOrOptions !== "string") {
    const { content } = rootOrOptions;
    const records = rootOrOptions.records ?? memoryRecords();
    return {
      content,
      records,
      lookup: (name) => lookupName(records, name),
      record: (entry) => recordImage(content, records, entry),
      leased: async () => new Set(),
      close: async () => {},
    };
  }
  const fs = await openFsContentStore(rootOrOptions);
  const records = await fsRecords(fs.paths);
  const dir = fs.paths.leases;
  const lease = await createLease(dir);
  const content = leasedStore(fs, lease);
  await adoptForeignEntries(content, records);
  return {
    content,
    records,
    lookup: (name) => lookupName(records, name),
    record: (entry) => recordImage(content, records, entry),
    leased: () => leasedDigests(dir, lease.file),
    close: () => lease.release(),
  };
}

async function lookupName(records: RecordStore, name: string): Promise<Descriptor | undefined> {
  const full = formatReference(normalizeName(name));
  const e = entriesOf(await records.read()).find((x) => x.name === full);
  return e ? targetOf(e.desc) : undefined;
}

/** The image manifest that `e.name` records for `e.target` (an index), found in the target's graph. */
async function recordedManifest(
  content: ContentStore,
  records: RecordStore,
  e: RecordEntry,
): Promise<Descriptor | undefined> {
  if (e.name === undefined || !isIndexMediaType(e.target.mediaType)) return undefined;
  const full = formatReference(normalizeName(e.name));
  const had = entriesOf(await records.read()).find(
    (x) => x.name === full && x.desc.digest === e.target.digest,
  );
  if (had === undefined) return undefined;
  for await (const n of walkGraph([e.target], storeReader(content), { missing: "skip" })) {
    if (n.role === "manifest" && n.descriptor.digest === had.manifest) return n.descriptor;
  }
  return undefined;
}

async function recordImage(content: ContentStore, records: RecordStore, e: RecordEntry): Promise<void> {
  const manifestDesc = e.manifest ?? (await recordedManifest(content, records, e)) ?? e.target;
  if (isIndexMediaType(manifestDesc.mediaType)) {
    throw new WharfError(
      "invalid-argument",
      "an image is recorded with its platform manifest, not an index",
      {
        hint: "pass the manifest chosen from the index as `manifest`",
      },
    );
  }
  const { manifest, digests } = await imageGraph(content, manifestDesc);
  const id = manifest.config.digest;
  const names = [e.name, e.repoDigest]
    .filter((n): n is string => n !== undefined)
    .map((n) => formatReference(normalizeName(n)));
  const recorded = new Date().toISOString();
  const fields = { target: targetOf(e.target), id, manifest: manifestDesc.digest, recorded };
  await records.update(async (descs) => {
    // Checked under the records lock, which garbage collection holds too: never a name without content.
    await requireContent(content, [e.target.digest, ...digests]);
    const replaced = new Set<string>(e.replaces ?? []);
    for (let i = descs.length - 1; i >= 0; i--) {
      const d = descs[i] as Descriptor;
      const a = d.annotations ?? {};
      if (replaced.has(d.digest) && a[ANNOTATION.id] !== undefined && a[REF_NAME] === undefined)
        descs.splice(i, 1);
    }
    if (names.length === 0) {
      if (!entriesOf(descs).some((x) => x.id === id)) descs.push(makeEntry(fields));
      return;
    }
    for (const name of names) setName(descs, { ...fields, name });
  });
}

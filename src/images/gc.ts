import type { ContentInfo, ContentStore } from "../content/index.js";
import type { Digest } from "../digest/index.js";
import { type Descriptor, walkGraph } from "../oci/index.js";
import { storeReader } from "./documents.js";
import type { Images } from "./images.js";
import { dropOrphanSignatures, signatureSubject } from "./signatures.js";

/**
 * Every digest reachable from `roots` through the descriptor graph (`walkGraph`): an index's
 * manifests, a manifest's config and layers. Children that are not stored (the other platforms of
 * an index that was pulled for one) are skipped; documents that cannot be read or parsed keep only
 * themselves; foreign layers are kept like any layer when they are stored. An index's entries
 * in `leaveOut` are not followed (the platforms a `load --platform` does not keep).
 */
export async function reachable(
  content: ContentStore,
  roots: readonly Descriptor[],
  leaveOut?: ReadonlySet<Digest>,
): Promise<Set<Digest>> {
  const seen = new Set<Digest>();
  const walk = walkGraph(roots, storeReader(content), {
    missing: "skip",
    invalid: "visit",
    foreign: "visit",
    ...(leaveOut?.size ? { select: (entries) => entries.filter((e) => !leaveOut.has(e.digest)) } : {}),
  });
  for await (const n of walk) seen.add(n.descriptor.digest);
  return seen;
}

export interface GcOptions {
  /** Digests to keep although no record reaches them (a caller's work in progress). */
  keep?: Iterable<Digest>;
}

export interface GcResult {
  deleted: ContentInfo[];
  /** Bytes of the deleted blobs. */
  reclaimed: number;
}

/**
 * Drops the kept signatures of images that are gone, then deletes every blob that no `index.json` entry reaches (wharf's and other tools' entries alike)
 * and that is neither in `keep` nor leased by another live `Images` instance. Runs under the records lock, which `record` also takes before checking
 * that an image's content is present, so a name never points at collected content.
 */
export async function collectGarbage(images: Images, opts: GcOptions = {}): Promise<GcResult> {
  return images.records.update(async (descs) => {
    // The store is listed before the leases are read: a blob in the listing was leased before it was
    // committed, so its lease is seen.
    const all: ContentInfo[] = [];
    for await (const info of images.content.walk()) all.push(info);
    // Signatures (`signatures.ts`) live as long as the image they sign: those whose subject no
    // other entry reaches go first, then what the remaining ones reach is kept.
    const live = await reachable(
      images.content,
      descs.filter((d) => signatureSubject(d) === undefined),
    );
    dropOrphanSignatures(descs, live);
    for (const d of await reachable(
      images.content,
      descs.filter((d) => signatureSubject(d) !== undefined),
    ))
      live.add(d);
    for (const d of await images.leased()) live.add(d);
    for (const d of opts.keep ?? []) live.add(d);
    const doomed = all.filter((info) => !live.has(info.digest));
    for (const info of doomed) await images.content.delete(info.digest);
    return { deleted: doomed, reclaimed: doomed.reduce((n, i) => n + i.size, 0) };
  });
}

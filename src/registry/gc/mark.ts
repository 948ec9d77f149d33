import { type Digest, isDigest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { layout } from "../layout.js";
import { repositories } from "../store/catalog.js";
import { markedBy, referencesOf } from "../store/references.js";
import { baseName, listIfExists, readIfExists, type Store } from "../store/store.js";
import { modTime } from "./intents.js";
import { mapLimit } from "./limit.js";

/**
 * The mark phase, as Distribution 2.8's `MarkAndSweep` prints it: each repository's name, then for
 * each manifest revision `<repo>: marking manifest <digest> ` and one `<repo>: marking blob <digest>`
 * per reference (config and layers, or an index's children). With `deleteUntagged`, a revision no
 * tag names is `manifest eligible for deletion: <digest>` instead — except (wharf) one that a kept
 * index lists, one whose `subject` is a kept manifest (a signature, an SBOM), and one written at or
 * after `cutoff` (the grace period).
 */
export interface MarkOptions {
  deleteUntagged: boolean;
  /** Storage time; an untagged revision whose link is this new is kept. */
  cutoff: number;
  emit(line: string): void;
  signal?: AbortSignal;
}

/** An untagged manifest revision the sweep may delete. */
export interface Condemned {
  name: string;
  digest: Digest;
  subject?: Digest;
}

export interface Marks {
  marked: Set<Digest>;
  condemned: Condemned[];
}

interface Revision {
  digest: Digest;
  refs: Digest[];
  children: Digest[];
  subject?: Digest;
}

const readLink = async (store: Store, path: string): Promise<string | undefined> =>
  (await readIfExists(store.driver, path))?.toString().trim();

/** The repository's manifest revisions, in Distribution's walk order (algorithm, then hex). */
async function revisionDigests(store: Store, name: string): Promise<Digest[]> {
  const out: Digest[] = [];
  for (const alg of (await listIfExists(store.driver, layout.revisions(name))).sort()) {
    for (const dir of (await listIfExists(store.driver, alg)).sort()) {
      const d = `${baseName(alg)}:${baseName(dir)}`;
      if (isDigest(d)) out.push(d);
    }
  }
  return out;
}

/** A revision with its link and data; undefined when it is being deleted (its link is gone). */
async function readRevision(store: Store, name: string, d: Digest): Promise<Revision | undefined> {
  if ((await readLink(store, layout.revisionLink(name, d))) !== d) return undefined;
  const body = await readIfExists(store.driver, layout.blobData(d));
  if (!body) {
    if ((await readLink(store, layout.revisionLink(name, d))) !== d) return undefined;
    throw new WharfError(
      "corrupt",
      `manifest ${d} of ${name} has a revision link but no data: nothing was deleted`,
      {
        hint: `remove ${layout.revisionDir(name, d)} from the storage (the manifest cannot be read anyway), then run the collection again`,
      },
    );
  }
  const r = referencesOf(body);
  const rev: Revision = { digest: d, refs: markedBy(body), children: r.manifests };
  if (r.subject) rev.subject = r.subject;
  return rev;
}

/** Digests the repository's tags name now. */
async function taggedDigests(store: Store, name: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const tag of await listIfExists(store.driver, layout.tags(name))) {
    const d = await readLink(store, layout.tagCurrent(name, baseName(tag)));
    if (d) out.add(d);
  }
  return out;
}

/** Which untagged revisions stay: listed by a kept index, referring to a kept subject, or young. */
async function keptSet(
  store: Store,
  name: string,
  revisions: Revision[],
  cutoff: number,
): Promise<Set<string>> {
  const tagged = await taggedDigests(store, name);
  const all = new Set(revisions.map((r) => r.digest));
  const kept = new Set<string>();
  for (const r of revisions) {
    if (tagged.has(r.digest)) kept.add(r.digest);
    else {
      const t = await modTime(store, layout.revisionLink(name, r.digest));
      if (t !== undefined && t >= cutoff) kept.add(r.digest);
    }
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of revisions) {
      if (kept.has(r.digest)) {
        for (const c of r.children) {
          if (!kept.has(c) && all.has(c)) {
            kept.add(c);
            grew = true;
          }
        }
      } else if (r.subject && kept.has(r.subject)) {
        kept.add(r.digest);
        grew = true;
      }
    }
  }
  return kept;
}

export async function mark(store: Store, opts: MarkOptions): Promise<Marks> {
  const marked = new Set<Digest>();
  const condemned: Condemned[] = [];
  // The tree itself (not the catalog's index): reads only, in Distribution's order.
  for await (const name of repositories(store)) {
    opts.signal?.throwIfAborted();
    opts.emit(name);
    const read = await mapLimit(await revisionDigests(store, name), 8, (d) => readRevision(store, name, d));
    const revisions = read.filter((r): r is Revision => r !== undefined);
    const kept = opts.deleteUntagged ? await keptSet(store, name, revisions, opts.cutoff) : undefined;
    for (const r of revisions) {
      if (kept && !kept.has(r.digest)) {
        opts.emit(`manifest eligible for deletion: ${r.digest}`);
        condemned.push(
          r.subject ? { name, digest: r.digest, subject: r.subject } : { name, digest: r.digest },
        );
        continue;
      }
      opts.emit(`${name}: marking manifest ${r.digest} `);
      marked.add(r.digest);
      for (const ref of r.refs) {
        marked.add(ref);
        opts.emit(`${name}: marking blob ${ref}`);
      }
    }
  }
  return { marked, condemned };
}

/** Marks a manifest the sweep kept after all, with what it references. */
export async function markKept(store: Store, marks: Marks, c: Condemned): Promise<void> {
  marks.marked.add(c.digest);
  const body = await readIfExists(store.driver, layout.blobData(c.digest));
  for (const ref of body ? markedBy(body) : []) marks.marked.add(ref);
}

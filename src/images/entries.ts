import { type Digest, isDigest } from "../digest/index.js";
import type { Descriptor } from "../oci/index.js";
import { formatReference, parseReference, type Reference, withDefaultTag } from "../reference/index.js";

/** The OCI annotation that names an image in a layout; wharf stores the full reference there. */
export const REF_NAME = "org.opencontainers.image.ref.name";
/** wharf's annotations on `index.json` entries. */
export const ANNOTATION = {
  /** The image ID: the digest of the image's config. */
  id: "io.wharf.image.id",
  /** The image manifest chosen for this machine, when the entry's target is an index. */
  manifest: "io.wharf.image.manifest",
  /** When `wharf tag` last pointed this name here (Docker's `Metadata.LastTagTime`). */
  tagged: "io.wharf.image.tagged",
  /** When this entry was written (pull, push, tag, build). */
  recorded: "io.wharf.image.recorded",
} as const;

/** One `index.json` entry that wharf understands: a name (or none: dangling) for an image. */
export interface Entry {
  desc: Descriptor;
  /** The full reference in `ref.name`, when it is a normalised wharf name. */
  name?: string;
  ref?: Reference;
  id: Digest;
  /** The digest of the image manifest (the target itself unless the target is an index). */
  manifest: Digest;
}

/** Normalises a name as wharf records it: full form, `latest` by default, no tag next to a digest. */
export function normalizeName(input: string | Reference): Reference {
  const ref = typeof input === "string" ? parseReference(input) : input;
  if (ref.digest !== undefined) return { domain: ref.domain, path: ref.path, digest: ref.digest };
  return withDefaultTag(ref);
}

/** The reference `name` stands for, when it is in wharf's full form (`registry/repo:tag`); else undefined. */
export function parseName(name: string | undefined): Reference | undefined {
  if (name === undefined) return undefined;
  try {
    const ref = normalizeName(name);
    return formatReference(ref) === name ? ref : undefined;
  } catch {
    return undefined;
  }
}

/** The entries wharf made (with an image ID); others (written by other tools) are left alone. */
export function entriesOf(descs: readonly Descriptor[]): Entry[] {
  const out: Entry[] = [];
  for (const desc of descs) {
    const a = desc.annotations ?? {};
    const id = a[ANNOTATION.id];
    if (!isDigest(id)) continue;
    const m = a[ANNOTATION.manifest];
    const manifest = isDigest(m) ? m : desc.digest;
    const name = a[REF_NAME];
    const ref = parseName(name);
    if (name !== undefined && ref === undefined) continue;
    out.push({ desc, id, manifest, ...(ref ? { name: name as string, ref } : {}) });
  }
  return out;
}

/** A clean descriptor for callers: what the entry points at, without wharf's annotations. */
export function targetOf(desc: Descriptor): Descriptor {
  const { annotations: _a, ...rest } = desc;
  return rest;
}

export interface EntryFields {
  target: Descriptor;
  id: Digest;
  manifest: Digest;
  name?: string;
  tagged?: string;
  recorded: string;
}

/** Builds an `index.json` entry. */
export function makeEntry(f: EntryFields): Descriptor {
  const annotations: Record<string, string> = {};
  if (f.name !== undefined) annotations[REF_NAME] = f.name;
  annotations[ANNOTATION.id] = f.id;
  if (f.manifest !== f.target.digest) annotations[ANNOTATION.manifest] = f.manifest;
  if (f.tagged !== undefined) annotations[ANNOTATION.tagged] = f.tagged;
  annotations[ANNOTATION.recorded] = f.recorded;
  return { ...targetOf(f.target), annotations };
}

function idOf(d: Descriptor): string | undefined {
  return d.annotations?.[ANNOTATION.id];
}

/**
 * Points `name` at an image in `descs` (in place). The image it pointed at before, when left with no
 * entry at all, stays as a dangling entry (Docker's `<none>:<none>`); the new image's dangling
 * entry, if any, goes.
 */
export function setName(descs: Descriptor[], f: EntryFields & { name: string }): void {
  const at = descs.findIndex((d) => d.annotations?.[REF_NAME] === f.name);
  const old = at === -1 ? undefined : descs[at];
  const entry = makeEntry(f);
  if (old) descs[at] = entry;
  else descs.push(entry);
  if (old && idOf(old) !== f.id) keepDangling(descs, old);
  dropDangling(descs, f.id);
}

/** Removes the entry named `name` (in place); the image stays as a dangling entry if nothing else names it. */
export function removeName(descs: Descriptor[], name: string, opts: { keepImage: boolean }): void {
  const at = descs.findIndex((d) => d.annotations?.[REF_NAME] === name);
  if (at === -1) return;
  const [old] = descs.splice(at, 1);
  if (old && opts.keepImage) keepDangling(descs, old);
}

/** Adds a dangling entry for the image of `old` when no entry refers to that image any more. */
export function keepDangling(descs: Descriptor[], old: Descriptor): void {
  const id = idOf(old);
  if (id === undefined || descs.some((d) => idOf(d) === id)) return;
  const { [REF_NAME]: _n, [ANNOTATION.tagged]: _t, ...rest } = old.annotations ?? {};
  descs.push({ ...targetOf(old), annotations: rest });
}

/** Removes the image's dangling entry, when it has another. */
export function dropDangling(descs: Descriptor[], id: string): void {
  const named = descs.some((d) => idOf(d) === id && d.annotations?.[REF_NAME] !== undefined);
  if (!named) return;
  for (let i = descs.length - 1; i >= 0; i--) {
    const d = descs[i] as Descriptor;
    if (idOf(d) === id && d.annotations?.[REF_NAME] === undefined) descs.splice(i, 1);
  }
}

/** Removes every entry of image `id` (in place). */
export function removeImageEntries(descs: Descriptor[], id: string): void {
  for (let i = descs.length - 1; i >= 0; i--) if (idOf(descs[i] as Descriptor) === id) descs.splice(i, 1);
}

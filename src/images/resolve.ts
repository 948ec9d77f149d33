import { type Digest, isDigest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import {
  familiarString,
  formatReference,
  IDENTIFIER,
  parseReference,
  type Reference,
  repositoryName,
  SHORT_IDENTIFIER,
} from "../reference/index.js";
import { type Entry, entriesOf, normalizeName } from "./entries.js";
import type { Images } from "./images.js";

/** One image (one config digest) and every entry that refers to it. */
export interface ImageGroup {
  id: Digest;
  entries: Entry[];
  /** Entries named by tag (`repo:tag`). */
  tags: Entry[];
  /** Entries named by digest (`repo@sha256:...`): the repo digests. */
  digests: Entry[];
}

/** Groups entries by image ID, in `index.json` order. */
export function groupImages(entries: readonly Entry[]): ImageGroup[] {
  const byId = new Map<Digest, ImageGroup>();
  for (const e of entries) {
    let g = byId.get(e.id);
    if (!g) {
      g = { id: e.id, entries: [], tags: [], digests: [] };
      byId.set(e.id, g);
    }
    g.entries.push(e);
    if (e.ref?.tag !== undefined) g.tags.push(e);
    else if (e.ref?.digest !== undefined) g.digests.push(e);
  }
  return [...byId.values()];
}

export interface Resolved {
  image: ImageGroup;
  /** How the input matched: a name (tag or digest reference) or the image ID. */
  by: "name" | "id";
  /** The entry the name matched, when `by` is `name`. */
  entry?: Entry;
}

function notFound(input: string, hint?: string): WharfError {
  return new WharfError("image-not-found", `No such image: ${input}`, {
    hint: hint ?? "list local images with `wharf images`, or pull the image first",
  });
}

function parseName(input: string): Reference | undefined {
  try {
    return normalizeName(parseReference(input));
  } catch {
    return undefined;
  }
}

/**
 * Finds the image `input` names, as Docker does: a full or familiar reference (`latest` by default),
 * `name@digest` (also matching a repository's image by manifest digest or ID), then a full image ID
 * (`sha256:<hex>` or 64 hex), then a unique ID prefix (with or without `sha256:`).
 */
export function resolveIn(entries: readonly Entry[], input: string): Resolved {
  const groups = groupImages(entries);
  const byId = (id: string) => groups.find((g) => g.id === id);
  if (isDigest(input) || IDENTIFIER.test(input)) {
    const g = byId(isDigest(input) ? input : `sha256:${input}`);
    if (g) return { image: g, by: "id" };
    throw notFound(input);
  }
  const ref = parseName(input);
  if (ref) {
    const full = formatReference(ref);
    const e = entries.find((x) => x.name === full);
    if (e) return { image: byId(e.id) as ImageGroup, by: "name", entry: e };
    if (ref.digest !== undefined) {
      const repo = repositoryName(ref);
      const m = entries.find(
        (x) =>
          x.ref !== undefined &&
          repositoryName(x.ref) === repo &&
          (x.desc.digest === ref.digest || x.manifest === ref.digest || x.id === ref.digest),
      );
      if (m) return { image: byId(m.id) as ImageGroup, by: "name", entry: m };
    }
  }
  const prefix = input.startsWith("sha256:") ? input.slice(7) : input;
  if (SHORT_IDENTIFIER.test(prefix)) {
    const hits = groups.filter((g) => g.id.slice(7).startsWith(prefix));
    if (hits.length === 1) return { image: hits[0] as ImageGroup, by: "id" };
    if (hits.length > 1) {
      throw notFound(input, `the ID prefix ${prefix} matches ${hits.length} images; give more characters`);
    }
  }
  throw notFound(ref ? familiarString(ref) : input);
}

/** Resolves `input` against the current records; see `resolveIn`. */
export async function resolveImage(images: Images, input: string): Promise<Resolved> {
  return resolveIn(entriesOf(await images.records.read()), input);
}

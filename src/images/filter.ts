import type { Digest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import type { ImageSummary } from "./list.js";

/** `docker images --filter` keys wharf understands (each may be given several times). */
export interface ImageFilters {
  dangling?: boolean;
  /** Globs matched against `name:tag` (or `name@digest`) and against `name`, as Docker does. */
  reference?: string[];
  /** `key` or `key=value`; every one must match. */
  label?: string[];
  /** Images created before every one of these images (image IDs from the same list). */
  before?: Digest[];
  /** Images created after every one of these images (image IDs from the same list). */
  since?: Digest[];
}

function literal(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Go's `path.Match` pattern as a regular expression: `*`, `?`, `[...]` (with `^`), `\` escapes. */
function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "\\" && i + 1 < pattern.length) re += literal(pattern[++i] as string);
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end === -1)
        throw new WharfError("invalid-argument", `syntax error in pattern ${JSON.stringify(pattern)}`);
      // Go's class syntax (ranges, `^` negation, `\` escapes) is JavaScript's.
      re += `[${pattern.slice(i + 1, end)}]`;
      i = end;
    } else re += literal(c);
  }
  return new RegExp(`^${re}$`);
}

/** Docker's `FamiliarMatch`: the pattern against the familiar string, then against the bare name. */
export function familiarMatch(pattern: string, familiar: string): boolean {
  const re = globToRegExp(pattern);
  if (re.test(familiar)) return true;
  const at = familiar.indexOf("@");
  const name = at !== -1 ? familiar.slice(0, at) : familiar.slice(0, familiar.lastIndexOf(":"));
  return name !== "" && re.test(name);
}

function labelsMatch(labels: Record<string, string>, wanted: readonly string[]): boolean {
  return wanted.every((w) => {
    const eq = w.indexOf("=");
    return eq === -1 ? w in labels : labels[w.slice(0, eq)] === w.slice(eq + 1);
  });
}

function createdOf(image: ImageSummary): number {
  const t = image.created === undefined ? Number.NaN : Date.parse(image.created);
  return Number.isNaN(t) ? 0 : t;
}

/** The creation time of each of `ids` in `list` (0 when not dated). */
function timesOf(list: readonly ImageSummary[], ids: readonly Digest[]): number[] {
  return ids.map((id) => {
    const image = list.find((i) => i.id === id);
    if (!image) throw new WharfError("image-not-found", `No such image: ${id}`);
    return createdOf(image);
  });
}

/**
 * Applies `docker images` filters as the daemon does: `reference` keeps only the matching names of
 * each image, tags and digest references alike (and drops images with none left), `dangling=true`
 * keeps images without tags, `false` those with tags, `label` matches the config's labels,
 * `before`/`since` compare creation times with the named images'.
 */
export function filterImages(list: readonly ImageSummary[], f: ImageFilters): ImageSummary[] {
  const before = f.before?.length ? Math.min(...timesOf(list, f.before)) : undefined;
  const since = f.since?.length ? Math.max(...timesOf(list, f.since)) : undefined;
  const out: ImageSummary[] = [];
  for (const image of list) {
    if (f.label?.length && !labelsMatch(image.labels, f.label)) continue;
    if (before !== undefined && !(createdOf(image) < before)) continue;
    if (since !== undefined && !(createdOf(image) > since)) continue;
    let { repoTags, repoDigests } = image;
    if (f.reference?.length) {
      const patterns = f.reference;
      const keep = (n: string) => patterns.some((p) => familiarMatch(p, n));
      repoTags = repoTags.filter(keep);
      repoDigests = repoDigests.filter(keep);
      if (repoTags.length === 0 && repoDigests.length === 0) continue;
    }
    if (f.dangling === true && repoTags.length > 0) continue;
    if (f.dangling === false && repoTags.length === 0) continue;
    out.push({ ...image, repoTags, repoDigests, dangling: repoTags.length === 0 });
  }
  return out;
}

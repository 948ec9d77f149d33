import type { Digest } from "../digest/index.js";
import type { Descriptor, Platform } from "../oci/index.js";
import { formatReference } from "../reference/index.js";
import { entriesOf, targetOf } from "./entries.js";
import type { Images } from "./images.js";
import { groupImages } from "./resolve.js";
import { imageSize, loadDocs, repoNames, type ViewOptions } from "./view.js";

/** One local image, as `docker images` needs it. */
export interface ImageSummary {
  /** The image ID: the config digest. */
  id: Digest;
  /** Familiar `repo:tag` names. */
  repoTags: string[];
  /** Familiar `repo@digest` names. */
  repoDigests: string[];
  /** Every full reference that names the image. */
  names: string[];
  /** The config's `created`, when set. */
  created: string | undefined;
  /** See `imageSize`: the layers' sizes, as the caller's `layerSize` counts them. */
  size: number;
  labels: Record<string, string>;
  /** No tag (Docker's `dangling=true`). */
  dangling: boolean;
  /** What the first name points at (an index or the manifest) and the image manifest's digest. */
  target: Descriptor;
  manifest: Digest;
  platform: Platform;
}

/** Every image in the store, newest first (by `created`). */
export async function listImages(images: Images, opts: ViewOptions = {}): Promise<ImageSummary[]> {
  const out: ImageSummary[] = [];
  for (const g of groupImages(entriesOf(await images.records.read()))) {
    const docs = await loadDocs(images.content, g);
    const first = g.entries[0] as (typeof g.entries)[number];
    const c = docs.config;
    out.push({
      id: g.id,
      ...repoNames(g),
      names: g.entries.flatMap((e) => (e.ref ? [formatReference(e.ref)] : [])),
      created: c.created,
      size: await imageSize(docs, opts.layerSize),
      labels: c.config?.Labels ?? {},
      dangling: g.tags.length === 0,
      target: targetOf(first.desc),
      manifest: first.manifest,
      platform: { os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) },
    });
  }
  return out.sort((a, b) => (b.created ?? "").localeCompare(a.created ?? ""));
}

/** One row of the `docker images` table. */
export interface ImageRow {
  repository: string;
  tag: string;
  /** The repo digest shown with `--digests`, or `<none>`. */
  digest: string;
  image: ImageSummary;
}

/**
 * The rows Docker's CLI prints for an image: one per tag (per tag and digest with `digests`), a
 * `<none>` tag row per repository known only by digest, `<none> <none>` when nothing names it.
 */
export function imageRows(image: ImageSummary, opts: { digests?: boolean } = {}): ImageRow[] {
  const tags = new Map<string, string[]>();
  const digests = new Map<string, string[]>();
  const add = (m: Map<string, string[]>, k: string, v: string) => m.set(k, [...(m.get(k) ?? []), v]);
  for (const name of image.repoTags) {
    const at = name.lastIndexOf(":");
    add(tags, name.slice(0, at), name.slice(at + 1));
  }
  for (const name of image.repoDigests) {
    const at = name.indexOf("@");
    add(digests, name.slice(0, at), name.slice(at + 1));
  }
  const rows: ImageRow[] = [];
  const row = (repository: string, tag: string, digest = "<none>") =>
    rows.push({ repository, tag, digest, image });
  for (const [repo, ts] of tags) {
    const ds = opts.digests ? (digests.get(repo) ?? []) : [];
    digests.delete(repo);
    for (const t of ts) {
      if (ds.length === 0) row(repo, t);
      for (const d of ds) row(repo, t, d);
    }
  }
  for (const [repo, ds] of digests) {
    if (opts.digests) for (const d of ds) row(repo, "<none>", d);
    else row(repo, "<none>");
  }
  if (rows.length === 0) row("<none>", "<none>");
  return rows;
}

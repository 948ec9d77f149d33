/**
 * The formatting contexts of `images` and `history`, as Docker's CLI defines them
 * (cli/command/formatter/image.go, cli/command/image/formatter_history.go): the fields a `--format`
 * template can use, the column titles, the default table formats and the row rules.
 */
import { hexOf, isDigest } from "../../digest/index.js";
import type { ImageSummary } from "../../images/index.js";
import { familiarName, parseReference } from "../../reference/index.js";
import { ago, formatterContext, goTimeString, humanSize, imageSize, rfc3339 } from "../render/index.js";

export const IMAGE_TABLE = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
export const IMAGE_TABLE_DIGESTS =
  "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
export const QUIET_FORMAT = "{{.ID}}";

export const IMAGE_HEADERS = {
  ID: "IMAGE ID",
  Repository: "REPOSITORY",
  Tag: "TAG",
  Digest: "DIGEST",
  CreatedSince: "CREATED",
  CreatedAt: "CREATED AT",
  Size: "SIZE",
  VirtualSize: "SIZE",
  SharedSize: "SHARED SIZE",
  UniqueSize: "UNIQUE SIZE",
  Containers: "CONTAINERS",
};

/** Docker's `stringid.TruncateID`: the hex part, 12 characters. */
export function truncateId(id: string): string {
  const hex = isDigest(id) ? hexOf(id) : id.includes(":") ? id.slice(id.indexOf(":") + 1) : id;
  return hex.slice(0, 12);
}

/** Milliseconds since the epoch of an RFC 3339 time; undefined when absent or unreadable. */
export function timeOf(s: string | undefined): number | undefined {
  const t = s ? Date.parse(s) : Number.NaN;
  return Number.isNaN(t) ? undefined : t;
}

function imageContext(
  img: ImageSummary,
  row: { repo: string; tag: string; digest: string },
  trunc: boolean,
  now: number,
) {
  const created = timeOf(img.created);
  const fields = {
    // The Engine API counts containers only for `system df`; `images` shows N/A.
    Containers: "N/A",
    CreatedAt: created === undefined ? "" : goTimeString(created),
    CreatedSince: created === undefined ? "N/A" : ago(created, now),
    Digest: row.digest,
    ID: trunc ? truncateId(img.id) : img.id,
    Repository: row.repo,
    SharedSize: "N/A",
    Size: imageSize(img.size),
    Tag: row.tag,
    UniqueSize: "N/A",
    VirtualSize: humanSize(img.size),
  };
  return formatterContext("*formatter.imageContext", fields);
}

function group(refs: string[], part: "tag" | "digest"): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of refs) {
    let ref: ReturnType<typeof parseReference>;
    try {
      ref = parseReference(s);
    } catch {
      continue;
    }
    const value = ref[part];
    if (value === undefined) continue;
    const repo = familiarName(ref);
    out.set(repo, [...(out.get(repo) ?? []), value]);
  }
  return out;
}

/**
 * The rows of `images` for one image, by Docker's rules: `<none>` rows for a dangling image, one row
 * per repository and tag (per digest too with `--digests`), and rows for digest-only repositories.
 */
export function imageRows(
  img: ImageSummary,
  opts: { digests: boolean; trunc: boolean; now?: number },
): ReturnType<typeof imageContext>[] {
  const now = opts.now ?? Date.now();
  const make = (repo: string, tag: string, digest: string) =>
    imageContext(img, { repo, tag, digest }, opts.trunc, now);
  if (img.repoTags.length === 0 && img.repoDigests.length === 0) return [make("<none>", "<none>", "<none>")];
  const tags = group(img.repoTags, "tag");
  const digests = group(img.repoDigests, "digest");
  const rows: ReturnType<typeof imageContext>[] = [];
  for (const [repo, list] of [...tags].sort(([a], [b]) => a.localeCompare(b))) {
    const ds = opts.digests ? (digests.get(repo) ?? []) : [];
    digests.delete(repo);
    for (const tag of list) {
      if (ds.length === 0) rows.push(make(repo, tag, "<none>"));
      else for (const d of ds) rows.push(make(repo, tag, d));
    }
  }
  for (const [repo, ds] of [...digests].sort(([a], [b]) => a.localeCompare(b))) {
    if (opts.digests) for (const d of ds) rows.push(make(repo, "<none>", d));
    else rows.push(make(repo, "<none>", ""));
  }
  return rows;
}

export const HISTORY_TABLE = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
export const HISTORY_TABLE_RAW = "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";

export const HISTORY_HEADERS = {
  ID: "IMAGE",
  CreatedSince: "CREATED",
  CreatedAt: "CREATED AT",
  CreatedBy: "CREATED BY",
  Size: "SIZE",
  Comment: "COMMENT",
};

/** One history entry: the image ID on the newest, `<missing>` below it (as Docker shows pulled images). */
export interface HistoryEntry {
  id: string;
  created?: number;
  createdBy: string;
  size: number;
  comment: string;
}

/** Docker's `ellipsis.Ellipsis`: at most `max` characters, the last one `…` when cut. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join("")}…`;
}

export function historyContext(h: HistoryEntry, opts: { human: boolean; trunc: boolean; now?: number }) {
  const now = opts.now ?? Date.now();
  const createdAt = h.created === undefined ? "" : rfc3339(h.created);
  const createdBy = h.createdBy.replaceAll("\t", " ");
  const fields = {
    ID: opts.trunc && isDigest(h.id) ? truncateId(h.id) : h.id,
    CreatedAt: createdAt,
    CreatedSince: !opts.human ? createdAt : h.created === undefined ? "N/A" : ago(h.created, now),
    CreatedBy: opts.trunc ? ellipsis(createdBy, 45) : createdBy,
    Size: opts.human ? imageSize(h.size) : String(h.size),
    Comment: h.comment,
  };
  return formatterContext("*image.historyContext", fields);
}

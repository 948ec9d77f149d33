import type { Digest } from "../digest/index.js";
import { isWharfError, WharfError } from "../errors/index.js";
import { checkDescriptor, type Descriptor } from "../oci/index.js";
import { nextLink, parseJsonDocument, readLimited } from "./body.js";
import { registryError } from "./errors.js";
import { header } from "./http.js";
import { fetchManifest, pullScope, type Repository } from "./manifests.js";
import { referrersTag } from "./referrers-tag.js";
import type { Transport } from "./transport.js";

const LIST_LIMIT = 16 * 1024 * 1024;
const MAX_PAGES = 10_000;

async function paged(
  t: Transport,
  first: string,
  scopes: string[],
  what: string,
  pick: (doc: Record<string, unknown>) => unknown,
): Promise<string[]> {
  const out: string[] = [];
  let path: string | undefined = first;
  for (let page = 0; path !== undefined; page++) {
    if (page >= MAX_PAGES) throw new WharfError("network", `${what}: too many pages`);
    const res = await t.request({ method: "GET", path, scopes });
    if (res.status !== 200) throw await registryError(res, `cannot list ${what}`, t.domain);
    const doc = parseJsonDocument(await readLimited(res.body, LIST_LIMIT, what), what);
    const items = doc && typeof doc === "object" ? pick(doc as Record<string, unknown>) : undefined;
    if (items !== null && items !== undefined) {
      if (!Array.isArray(items) || items.some((x) => typeof x !== "string")) {
        throw new WharfError("network", `${what}: the registry sent a malformed list`);
      }
      out.push(...(items as string[]));
    }
    path = nextLink(header(res, "link"));
  }
  return out;
}

/** Every tag of a repository, following `Link` pagination (`n` per page when given). */
export function listTags(repo: Repository, opts: { pageSize?: number } = {}): Promise<string[]> {
  const n = opts.pageSize ? `?n=${opts.pageSize}` : "";
  return paged(
    repo.transport,
    `/v2/${repo.path}/tags/list${n}`,
    [pullScope(repo.path)],
    `tags of ${repo.transport.domain}/${repo.path}`,
    (d) => d.tags,
  );
}

/** Every repository of a registry (`/v2/_catalog`), following `Link` pagination. */
export function listCatalog(t: Transport, opts: { pageSize?: number } = {}): Promise<string[]> {
  const n = opts.pageSize ? `?n=${opts.pageSize}` : "";
  return paged(
    t,
    `/v2/_catalog${n}`,
    ["registry:catalog:*"],
    `repositories of ${t.domain}`,
    (d) => d.repositories,
  );
}

/**
 * The manifests that refer to `digest` through their `subject` (the referrers API, or the
 * `<alg>-<hex>` tag schema on registries without it), optionally only of one artifact type.
 */
export async function listReferrers(
  repo: Repository,
  digest: Digest,
  opts: { artifactType?: string } = {},
): Promise<Descriptor[]> {
  const t = repo.transport;
  const q = opts.artifactType ? `?artifactType=${encodeURIComponent(opts.artifactType)}` : "";
  const res = await t.request({
    method: "GET",
    path: `/v2/${repo.path}/referrers/${digest}${q}`,
    headers: { accept: "application/vnd.oci.image.index.v1+json" },
    scopes: [pullScope(repo.path)],
  });
  let manifests: unknown;
  let filtered = false;
  if (res.status === 200) {
    const what = `referrers of ${digest}`;
    const doc = parseJsonDocument(await readLimited(res.body, LIST_LIMIT, what), what) as {
      manifests?: unknown;
    };
    manifests = doc?.manifests ?? [];
    filtered = header(res, "oci-filters-applied")?.split(",").includes("artifactType") ?? false;
  } else if (res.status === 404) {
    res.discard();
    manifests = await fallbackReferrers(repo, digest);
  } else {
    throw await registryError(res, `cannot list the referrers of ${digest}`, t.domain);
  }
  if (!Array.isArray(manifests)) throw new WharfError("network", `the referrers of ${digest} are malformed`);
  manifests.forEach((m, i) => {
    checkDescriptor(m, `referrers[${i}]`);
  });
  const list = manifests as Descriptor[];
  return opts.artifactType && !filtered ? list.filter((d) => d.artifactType === opts.artifactType) : list;
}

async function fallbackReferrers(repo: Repository, digest: Digest): Promise<unknown> {
  const tag = referrersTag(digest);
  try {
    const m = await fetchManifest(repo, tag);
    return m.document.kind === "index" ? m.document.index.manifests : [];
  } catch (e) {
    if (isWharfError(e, "manifest-unknown") || isWharfError(e, "name-unknown")) return [];
    throw e;
  }
}

import { WharfError } from "../../errors/index.js";
import { MediaType } from "../../oci/index.js";
import { type Ctx, digestParam, nameOf } from "../context.js";
import { type Headers, sendJson } from "../http/respond.js";
import { catalogPage } from "../store/catalog.js";
import { tagsPage } from "../store/manifests.js";
import { listReferrers } from "../store/referrers.js";

/** GET /v2/: the API version check (the header is set on every response). */
export async function base(ctx: Ctx): Promise<void> {
  sendJson(ctx.req, ctx.res, 200, {});
}

/** `n` (a page size) and `last` (the entry before the page) of a list request. */
function pageQuery(query: URLSearchParams): { n?: number; last?: string } {
  const nRaw = query.get("n");
  const last = query.get("last");
  if (nRaw !== null && !/^\d+$/.test(nRaw)) {
    throw new WharfError("invalid-argument", `invalid page size n=${JSON.stringify(nRaw)}`, {
      detail: { n: nRaw },
    });
  }
  return { ...(nRaw !== null ? { n: Number(nRaw) } : {}), ...(last ? { last } : {}) };
}

/** The `Link` to the next page when more entries follow the page. */
function nextLink(path: string, n: number | undefined, page: string[], more: boolean): Headers {
  const lastShown = page.at(-1);
  if (!more || n === undefined || lastShown === undefined) return {};
  return { Link: `<${path}?n=${n}&last=${encodeURIComponent(lastShown)}>; rel="next"` };
}

export async function tagsList(ctx: Ctx): Promise<void> {
  const name = nameOf(ctx);
  const q = pageQuery(ctx.query);
  const { names, more } = await tagsPage(ctx.store, name, q);
  sendJson(ctx.req, ctx.res, 200, { name, tags: names }, nextLink(`/v2/${name}/tags/list`, q.n, names, more));
}

export async function catalog(ctx: Ctx): Promise<void> {
  const q = pageQuery(ctx.query);
  const { names, more } = await catalogPage(ctx.store, q);
  sendJson(ctx.req, ctx.res, 200, { repositories: names }, nextLink("/v2/_catalog", q.n, names, more));
}

/** GET /referrers/<digest>: an image index of the manifests whose subject is the digest. */
export async function referrers(ctx: Ctx): Promise<void> {
  const name = nameOf(ctx);
  const subject = digestParam(ctx.params.digest);
  const artifactType = ctx.query.get("artifactType") ?? undefined;
  const manifests = await listReferrers(ctx.store, name, subject, artifactType);
  const headers: Headers = { "Content-Type": MediaType.ociIndex };
  if (artifactType !== undefined) headers["OCI-Filters-Applied"] = "artifactType";
  sendJson(ctx.req, ctx.res, 200, { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }, headers);
}

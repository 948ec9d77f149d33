import { WharfError } from "../../errors/index.js";
import { MediaType } from "../../oci/index.js";
import { type Ctx, digestParam, nameOf } from "../context.js";
import { type Headers, sendJson } from "../http/respond.js";
import { listRepositories } from "../store/catalog.js";
import { listTags } from "../store/manifests.js";
import { listReferrers } from "../store/referrers.js";

/** GET /v2/: the API version check (the header is set on every response). */
export async function base(ctx: Ctx): Promise<void> {
  sendJson(ctx.req, ctx.res, 200, {});
}

/**
 * `n` and `last` pagination over a sorted list: the entries after `last`, at most `n` of them, and
 * a `Link` header to the next page when more remain.
 */
export function paginate(
  items: string[],
  query: URLSearchParams,
  path: string,
): { page: string[]; headers: Headers } {
  const nRaw = query.get("n");
  const last = query.get("last");
  if (nRaw !== null && !/^\d+$/.test(nRaw)) {
    throw new WharfError("invalid-argument", `invalid page size n=${JSON.stringify(nRaw)}`, {
      detail: { n: nRaw },
    });
  }
  const rest = last ? items.filter((x) => x > last) : items;
  if (nRaw === null) return { page: rest, headers: {} };
  const n = Number(nRaw);
  const page = rest.slice(0, n);
  const lastShown = page.at(-1);
  if (rest.length <= n || lastShown === undefined) return { page, headers: {} };
  return {
    page,
    headers: { Link: `<${path}?n=${n}&last=${encodeURIComponent(lastShown)}>; rel="next"` },
  };
}

export async function tagsList(ctx: Ctx): Promise<void> {
  const name = nameOf(ctx);
  const { page, headers } = paginate(await listTags(ctx.store, name), ctx.query, `/v2/${name}/tags/list`);
  sendJson(ctx.req, ctx.res, 200, { name, tags: page }, headers);
}

export async function catalog(ctx: Ctx): Promise<void> {
  const { page, headers } = paginate(await listRepositories(ctx.store), ctx.query, "/v2/_catalog");
  sendJson(ctx.req, ctx.res, 200, { repositories: page }, headers);
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

/**
 * GET /v1/search?q=TERM[&n=N][&page=P]: the repositories whose name holds TERM (any case), in the
 * form Docker Hub's index answers `docker search` (`num_results`, `query`, `results` with `name`,
 * `description`, `star_count`, `is_official`, `is_automated`), a page of `n` (1-100, default 25)
 * at a time. A private registry has no descriptions, stars or official images: empty, 0, false.
 */
import { WharfError } from "../../errors/index.js";
import type { Ctx } from "../context.js";
import { sendJson } from "../http/respond.js";
import { repositories } from "../store/catalog.js";

function intParam(ctx: Ctx, key: string, dflt: number, min: number, max: number): number {
  const raw = ctx.query.get(key);
  if (raw === null || raw === "") return dflt;
  const v = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(v >= min && v <= max)) {
    throw new WharfError(
      "invalid-argument",
      `invalid ${key}=${JSON.stringify(raw)}: between ${min} and ${max}`,
      {
        detail: { [key]: raw },
      },
    );
  }
  return v;
}

export async function search(ctx: Ctx): Promise<void> {
  const query = ctx.query.get("q") ?? "";
  const n = intParam(ctx, "n", 25, 1, 100);
  const page = intParam(ctx, "page", 1, 1, 1_000_000);
  const term = query.toLowerCase();
  const hits: string[] = [];
  for await (const name of repositories(ctx.store)) if (name.includes(term)) hits.push(name);
  const results = hits.slice((page - 1) * n, page * n).map((name) => ({
    name,
    description: "",
    star_count: 0,
    is_official: false,
    is_automated: false,
  }));
  sendJson(ctx.req, ctx.res, 200, {
    num_pages: Math.max(1, Math.ceil(hits.length / n)),
    num_results: hits.length,
    page_size: n,
    page,
    query,
    results,
  });
}

/**
 * `search [OPTIONS] TERM`: the index's `/v1/search` (Docker Hub's, `index.docker.io`, or that of
 * the registry TERM names: `search localhost:5000/busy`, which wharf's own registry answers), as
 * Docker's daemon asks it, printed as the docker CLI prints it.
 */
import { collect } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import type { HttpResponse } from "../../remote/index.js";
import { type Command, flag } from "../command.js";
import { formatterContext, renderFormat } from "../render/index.js";
import { FORMAT_FLAG } from "./common-flags.js";
import { INSECURE_FLAG, transportOptions } from "./registry-options.js";

export interface SearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

/** The index TERM names (Docker's rule: a first component with `.` or `:`, or `localhost`) and the term. */
export function searchTarget(term: string): { domain: string; query: string } {
  const slash = term.indexOf("/");
  const first = slash < 0 ? "" : term.slice(0, slash);
  if (first !== "" && (first.includes(".") || first.includes(":") || first === "localhost")) {
    const domain = first === "index.docker.io" || first === "registry-1.docker.io" ? "docker.io" : first;
    return { domain, query: term.slice(slash + 1) };
  }
  return { domain: "docker.io", query: term };
}

export type SearchFilter = (r: SearchResult) => boolean;

/** `--filter stars=N`, `is-official=BOOL`, `is-automated=BOOL`, in the daemon's words when bad. */
export function searchFilter(specs: readonly string[]): SearchFilter {
  const tests: SearchFilter[] = [];
  const bool = (spec: string, v: string) => {
    if (v === "true" || v === "1") return true;
    if (v === "false" || v === "0") return false;
    throw new WharfError("invalid-argument", `invalid filter '${spec}'`);
  };
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const key = eq < 0 ? spec : spec.slice(0, eq);
    const value = eq < 0 ? "" : spec.slice(eq + 1);
    if (key === "stars") {
      if (!/^\d+$/.test(value)) throw new WharfError("invalid-argument", `invalid filter '${spec}'`);
      const min = Number(value);
      tests.push((r) => r.star_count >= min);
    } else if (key === "is-official") {
      const want = bool(spec, value);
      tests.push((r) => r.is_official === want);
    } else if (key === "is-automated") {
      const want = bool(spec, value);
      tests.push((r) => r.is_automated === want);
    } else throw new WharfError("invalid-argument", `invalid filter '${key}'`);
  }
  return (r) => tests.every((t) => t(r));
}

/** The docker CLI's Ellipsis: longer than `max` becomes `max - 1` characters and `…`. */
function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : s;
}

export function searchRows(results: readonly SearchResult[], trunc: boolean) {
  return results.map((r) => {
    const desc = r.description.replace(/[\r\n]/g, " ");
    return formatterContext("*formatter.searchContext", {
      Name: r.name,
      Description: trunc ? ellipsis(desc, 45) : desc,
      StarCount: String(r.star_count),
      IsOfficial: r.is_official ? "[OK]" : "",
      IsAutomated: r.is_automated ? "[OK]" : "",
    });
  });
}

const HEADERS = {
  Name: "NAME",
  Description: "DESCRIPTION",
  StarCount: "STARS",
  IsOfficial: "OFFICIAL",
  IsAutomated: "AUTOMATED",
};

async function fetchResults(
  ctx: Parameters<Command["run"]>[0],
  f: Parameters<Command["run"]>[1],
  domain: string,
  query: string,
  limit: number,
): Promise<SearchResult[]> {
  const { createTransport, registryError } = await import("../../remote/index.js");
  // Searches go to the index itself, never to daemon.json's mirrors.
  const { mirrors: _mirrors, ...opts } = transportOptions(ctx, f);
  const t = createTransport(domain, opts);
  const qs = `q=${encodeURIComponent(query)}&n=${limit}`;
  // Docker Hub's index answers searches on its own host (a test's stand-in serves both).
  const hub = domain === "docker.io" && !ctx.env.WHARF_DEFAULT_REGISTRY_API;
  let res: HttpResponse;
  try {
    res = await t.request({
      method: "GET",
      path: hub ? `https://index.docker.io/v1/search?${qs}` : `/v1/search?${qs}`,
      scopes: ["registry:catalog:*"],
    });
    if (res.status !== 200) throw await registryError(res, `search of ${domain}`, domain);
    const what = `search results of ${domain}`;
    let doc: { results?: unknown };
    try {
      doc = JSON.parse((await collect(res.body, 8 << 20)).toString("utf8")) as { results?: unknown };
    } catch (e) {
      throw new WharfError("corrupt", `${what}: not a search answer: ${(e as Error).message}`, { cause: e });
    }
    if (!Array.isArray(doc.results)) throw new WharfError("corrupt", `${what}: no results list`);
    return doc.results.map((x: Partial<SearchResult>) => ({
      name: String(x.name ?? ""),
      description: String(x.description ?? ""),
      star_count: Number(x.star_count ?? 0),
      is_official: x.is_official === true,
      is_automated: x.is_automated === true,
    }));
  } finally {
    t.close();
  }
}

export const command: Command = {
  path: ["search"],
  usage: "[OPTIONS] TERM",
  description: "Search Docker Hub (or the registry TERM names) for images",
  flags: [
    {
      name: "filter",
      short: "f",
      type: "strings",
      valueName: "filter",
      description: "Filter output based on conditions provided",
    },
    FORMAT_FLAG,
    { name: "limit", type: "int", description: "Max number of search results" },
    { name: "no-trunc", type: "bool", description: "Don't truncate output" },
    INSECURE_FLAG,
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    const limit = flag.int(f, "limit") ?? 0;
    if (limit < 0 || limit > 100) {
      throw new WharfError("invalid-argument", `limit ${limit} is outside the range of [1, 100]`);
    }
    const keep = searchFilter(flag.strings(f, "filter"));
    const { domain, query } = searchTarget(f.args[0] ?? "");
    const results = (await fetchResults(ctx, f, domain, query, limit === 0 ? 25 : limit)).filter(keep);
    let format = flag.string(f, "format") ?? "";
    if (format === "" || format === "table")
      format = "table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}";
    const text = renderFormat(format, searchRows(results, !flag.bool(f, "no-trunc")), { headers: HEADERS });
    if (text !== "") ctx.out(text.replace(/\n$/, ""));
    return 0;
  },
};

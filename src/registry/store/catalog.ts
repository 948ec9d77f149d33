import { layout, REPOSITORIES } from "../layout.js";
import { buildIndex, decodeName, encodeName, indexComplete } from "./catalog-index.js";
import { baseName, listIfExists, type Store } from "./store.js";

/** Children asked for per listing of a level; directories looked into at once. */
const PAGE = 250;
const LOOKAHEAD = 16;

/** Children of a directory looked at to tell a repository: the `_` names sort after digits. */
const LOOK = 8;

const isRepository = (names: string[]) => names.includes("_manifests") || names.includes("_layers");
const hasNested = (names: string[]) => names.some((n) => !n.startsWith("_"));

/** The first children of a directory, enough to tell whether it is a repository and has nested ones. */
async function look(store: Store, dir: string): Promise<string[]> {
  const names = (await listIfExists(store.driver, dir, { limit: LOOK })).map(baseName);
  if (names.length < LOOK || isRepository(names)) return names;
  // Many nested names sorting before "_" (digits): ask for the "_" names themselves.
  const meta = (await listIfExists(store.driver, dir, { after: "_", limit: 3 })).map(baseName);
  return [...names, ...meta.filter((n) => n.startsWith("_"))];
}

/**
 * Repositories in component order (Distribution's: `a`, `a/b`, `a-c`, as if `/` sorted first): a
 * walk of `repositories/` that lists each level a page at a time and looks into only the
 * directories it passes, so that a page of the catalog after `last` costs what the page holds, not
 * the whole tree (on an object store each listing is a request). A directory is a repository when
 * it holds `_manifests` or `_layers` (one with only a started upload is not listed yet).
 */
export async function* repositories(store: Store, last?: string): AsyncGenerator<string> {
  const list = async (dir: string, opts?: { after?: string; limit?: number }) =>
    (await listIfExists(store.driver, dir, opts)).map(baseName);
  const join = (prefix: string, n: string) => (prefix ? `${prefix}/${n}` : n);

  /** The repositories below `dir` (whose name is `prefix`) in children after `after`, in order. */
  async function* level(dir: string, prefix: string, after?: string): AsyncGenerator<string> {
    let cursor = after;
    for (;;) {
      const page = await list(dir, { ...(cursor !== undefined ? { after: cursor } : {}), limit: PAGE });
      const kids = page.filter((n) => !n.startsWith("_"));
      // Look into the next few directories while the walk yields the current one.
      const looks: Promise<string[]>[] = [];
      const lookAt = (i: number) => {
        for (let j = looks.length; j < Math.min(kids.length, i + LOOKAHEAD); j++) {
          const p = look(store, `${dir}/${kids[j]}`);
          p.catch(() => undefined);
          looks.push(p);
        }
        return looks[i] as Promise<string[]>;
      };
      for (const [i, kid] of kids.entries()) {
        const names = await lookAt(i);
        const name = join(prefix, kid);
        if (isRepository(names)) yield name;
        if (hasNested(names)) yield* level(`${dir}/${kid}`, name);
      }
      if (page.length < PAGE) return;
      cursor = page.at(-1);
    }
  }

  /** What follows the repository whose remaining components below `dir` are `bound`. */
  async function* from(dir: string, prefix: string, bound: string[]): AsyncGenerator<string> {
    const [head, ...rest] = bound as [string, ...string[]];
    const name = join(prefix, head);
    if (rest.length === 0) {
      // `last` itself is not repeated; the repositories nested in it come next.
      if (hasNested(await look(store, `${dir}/${head}`))) yield* level(`${dir}/${head}`, name);
    } else yield* from(`${dir}/${head}`, name, rest);
    yield* level(dir, prefix, head);
  }

  const bound = last
    ? last.split("/").filter((c) => c !== "" && !c.startsWith("_") && !c.startsWith("."))
    : [];
  if (bound.length > 0) yield* from(REPOSITORIES, "", bound);
  else yield* level(REPOSITORIES, "");
}

/**
 * Repositories after `last` from the index (catalog-index.ts): its directory a page at a time. A
 * repository stays listed once it held a blob or a manifest, as Distribution lists it on a
 * filesystem (where an emptied repository keeps its directories).
 */
async function* indexed(store: Store, last: string | undefined, page: number): AsyncGenerator<string> {
  let cursor = last === undefined ? undefined : encodeName(last);
  for (;;) {
    const entries = (
      await listIfExists(store.driver, layout.catalog, {
        ...(cursor !== undefined ? { after: cursor } : {}),
        limit: page,
        filesOnly: true,
      })
    ).map(baseName);
    for (const e of entries) yield decodeName(e);
    if (entries.length < page) return;
    cursor = entries.at(-1);
  }
}

/**
 * At most `n` repositories after `last`, and whether more follow: from the index when it is
 * complete, else from a walk of the tree (and the index is built meanwhile, once).
 */
export async function catalogPage(
  store: Store,
  opts: { last?: string; n?: number },
): Promise<{ names: string[]; more: boolean }> {
  const names: string[] = [];
  const max = opts.n ?? Number.POSITIVE_INFINITY;
  const complete = await indexComplete(store);
  const source = complete
    ? indexed(store, opts.last, Math.min(1000, Math.max(2, (opts.n ?? 999) + 2)))
    : repositories(store, opts.last);
  let more = false;
  for await (const name of source) {
    if (names.length === max) {
      more = true;
      break;
    }
    names.push(name);
  }
  // Once this page is served, the index is built for the next ones (once per process).
  if (!complete) void buildIndex(store, () => repositories(store));
  return { names, more };
}

/** Every repository name, in component order. */
export async function listRepositories(store: Store): Promise<string[]> {
  return (await catalogPage(store, {})).names;
}

/**
 * Readies the catalog's path before a first request: whether the index is complete (one stat) and,
 * when it is, its first entry (one listing). It builds nothing: a tree that has no index yet is
 * indexed after the first catalog request, as before.
 */
export async function warmCatalog(store: Store): Promise<void> {
  if (!(await indexComplete(store))) return;
  for await (const _ of indexed(store, undefined, 1)) break;
}

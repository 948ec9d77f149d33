import type { BigIntStats } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { posix } from "node:path";
import { resolveInRoot } from "../archive/index.js";
import { errnoCode, WharfError } from "../errors/index.js";
import { globMatch, hasWildcard, unescapeGlob } from "./glob.js";

/** What `.dockerignore` (or `--exclude`) leaves out, by path relative to the root. */
export interface PathFilter {
  /** True when the path is left out (a pattern matches it or one of its parent directories). */
  excludes(rel: string): boolean;
  /** False when nothing below the (excluded) directory can be let back in by an exception. */
  mayReadmit(dirRel: string): boolean;
}

/** A tree COPY reads from: the context (filtered by .dockerignore) or a stage's or image's files. */
export interface SourceTree {
  dir: string;
  filter?: PathFilter;
}

/** The parts of an lstat a copy needs (10,000 full bigint stats weigh 14 MB; these a tenth). */
export interface FileMeta {
  /** Directory, regular file, symlink, or other (devices, fifos, sockets: not copied). */
  kind: "d" | "f" | "l" | "o";
  mode: bigint;
  size: bigint;
  mtimeMs: bigint;
  mtimeNs: bigint;
  ino: bigint;
  uid: number;
  gid: number;
}

export function fileMeta(st: BigIntStats): FileMeta {
  const kind = st.isDirectory() ? "d" : st.isFile() ? "f" : st.isSymbolicLink() ? "l" : "o";
  return {
    kind,
    mode: st.mode,
    size: st.size,
    mtimeMs: st.mtimeMs,
    mtimeNs: st.mtimeNs,
    ino: st.ino,
    uid: Number(st.uid),
    gid: Number(st.gid),
  };
}

/** One file, directory or symlink to copy: where it is, where it goes (container path), its stat. */
export interface Picked {
  abs: string;
  /** Relative to the tree's root (the stat cache's key for a context file). */
  rel: string;
  /** Absolute path in the image. */
  dest: string;
  st: FileMeta;
}

export interface PickOptions {
  /** The destination, absolute, as written (a trailing `/` says it is a directory). */
  dest: string;
  /** Whether the destination exists as a directory in the image (then a file goes inside it). */
  destIsDir: () => Promise<boolean>;
  /** `--exclude` patterns, matched against paths relative to each source. */
  exclude?: PathFilter;
  /** `--parents`: keep each source's path below the destination. */
  parents?: boolean;
}

const clean = (p: string) => posix.normalize(`/${p}`).replace(/^\/+/, "");

function notFound(src: string): WharfError {
  return new WharfError("not-found", `failed to calculate checksum: "/${clean(src)}": not found`, {
    hint: "check the path against the build context and .dockerignore",
  });
}

async function lstatIn(tree: SourceTree, rel: string, follow: boolean): Promise<Picked | undefined> {
  if (rel !== "" && tree.filter?.excludes(rel)) return undefined;
  try {
    const abs = rel === "" ? tree.dir : await resolveInRoot(tree.dir, rel.split("/"), { followLast: follow });
    return { abs, rel, dest: "", st: fileMeta(await lstat(abs, { bigint: true })) };
  } catch (e) {
    const code = errnoCode(e);
    if (code === "ENOENT" || code === "ENOTDIR" || e instanceof WharfError) return undefined;
    throw e;
  }
}

/** The paths below `base` (relative to the tree) that a wildcard pattern matches, sorted. */
async function expandPattern(tree: SourceTree, pattern: string): Promise<string[]> {
  const parts = pattern.split("/").filter((p) => p !== "");
  let found = [""];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of found) {
      if (!hasWildcard(part)) {
        next.push(dir === "" ? unescapeGlob(part) : `${dir}/${unescapeGlob(part)}`);
        continue;
      }
      const at = await lstatIn(tree, dir, true);
      if (at?.st.kind !== "d") continue;
      for (const name of (await readdir(at.abs)).sort()) {
        if (globMatch(part, name)) next.push(dir === "" ? name : `${dir}/${name}`);
      }
    }
    found = next;
  }
  return found;
}

/** Everything below a directory, parents first, leaving out what the filters exclude. */
async function walkDir(
  tree: SourceTree,
  dir: Picked,
  destDir: string,
  exclude: PathFilter | undefined,
  srcRel: string,
  out: Picked[],
): Promise<void> {
  const names = (await readdir(dir.abs)).sort();
  for (const name of names) {
    const rel = dir.rel === "" ? name : `${dir.rel}/${name}`;
    const local = srcRel === "" ? name : `${srcRel}/${name}`;
    const abs = posix.join(dir.abs, name);
    const st = fileMeta(await lstat(abs, { bigint: true }));
    const ignored = tree.filter?.excludes(rel) === true || exclude?.excludes(local) === true;
    if (ignored) {
      const readmit =
        st.kind === "d" && (tree.filter?.mayReadmit(rel) === true || exclude?.mayReadmit(local) === true);
      if (!readmit) continue;
    }
    const dest = posix.join(destDir, name);
    if (!ignored) out.push({ abs, rel, dest, st });
    if (st.kind === "d") await walkDir(tree, { abs, rel, dest, st }, dest, exclude, local, out);
  }
}

/**
 * The files COPY/ADD take from `tree` for `sources`, with Docker's rules: a source is cleaned and
 * taken relative to the root; wildcards (Go's path.Match per component) may match nothing; a
 * directory source copies its contents, not itself; a source that is a symlink is followed (inside
 * the tree); several sources or a wildcard need a directory destination, which a trailing `/`
 * (or an existing directory) makes; otherwise a file source is written at the destination's path.
 */
export async function pickSources(
  tree: SourceTree,
  sources: readonly string[],
  o: PickOptions,
): Promise<Picked[]> {
  const matched: string[] = [];
  let wild = false;
  for (const src of sources) {
    const c = clean(src);
    if (hasWildcard(c)) {
      wild = true;
      matched.push(...(await expandPattern(tree, c)));
    } else matched.push(unescapeGlob(c));
  }
  const dirDest = o.dest.endsWith("/") || o.dest.endsWith("/.") || sources.length > 1 || wild;
  if ((sources.length > 1 || wild) && !o.dest.endsWith("/") && !(await o.destIsDir())) {
    throw new WharfError(
      "invalid-argument",
      "When using COPY with more than one source file, the destination must be a directory and end with a /",
    );
  }
  const destClean = posix.normalize(o.dest);
  const out: Picked[] = [];
  for (const rel of matched) {
    const at = await lstatIn(tree, rel, true);
    if (!at) {
      if (wild) continue;
      throw notFound(rel);
    }
    const below = o.parents && rel !== "" ? posix.join(destClean, rel) : destClean;
    if (at.st.kind === "d") {
      if (o.parents && rel !== "") out.push({ ...at, dest: below });
      await walkDir(tree, at, below, o.exclude, "", out);
      continue;
    }
    if (o.exclude?.excludes(posix.basename(rel))) continue;
    const base = posix.basename(rel);
    const intoDir = o.parents || dirDest || (await o.destIsDir());
    const dest = o.parents ? below : intoDir ? posix.join(destClean, base) : destClean;
    out.push({ ...at, dest });
  }
  return out;
}

import type { Stats } from "node:fs";
import { lstat } from "node:fs/promises";
import { posix, relative, resolve } from "node:path";
import type { Bytes } from "../digest/index.js";
import { errnoCode, WharfError } from "../errors/index.js";
import { untilAborted } from "../files/index.js";
import { type ContainerTree, openContainerTree } from "./container-fs.js";
import { getContainer } from "./reconcile.js";
import type { RuntimeContext } from "./types.js";

// The tar code is loaded only by the verbs that copy: `run` does not pay for it.
const archive = () => import("../archive/index.js");

const parts = (p: string) => p.split("/").filter((x) => x !== "" && x !== ".");

async function lstatOrUndefined(p: string, shown = p): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return undefined;
    if (errnoCode(e) === "ENOTDIR") {
      throw new WharfError("invalid-argument", `${shown}: not a directory`, {
        hint: "a path ending with / names a directory",
      });
    }
    throw e;
  }
}

/** A path in a container resolved as Docker's `ResolvePath`: the parent's symlinks inside the root. */
interface Resolved {
  /** The path as the container sees it, absolute, its trailing `/` or `/.` kept. */
  absPath: string;
  /** The host path; the last element not followed. */
  host: string;
  st: Stats | undefined;
}

async function resolvePath(tree: ContainerTree, path: string): Promise<Resolved> {
  const { preserveTrailingDotOrSeparator, resolveInRoot } = await archive();
  const absPath = preserveTrailingDotOrSeparator(posix.join("/", path), path);
  const slash = absPath.lastIndexOf("/");
  const base = absPath.slice(slash + 1);
  const dir = await resolveInRoot(tree.root, parts(absPath.slice(0, slash + 1)), {
    followLast: true,
    clamp: true,
  });
  const host = base === "" ? `${dir}/` : `${dir}/${base}`;
  return { absPath, host, st: await lstatOrUndefined(host, absPath) };
}

/** The container path a symlink leads to, resolved inside the root (Docker's `LinkTarget`). */
async function linkTarget(tree: ContainerTree, absPath: string): Promise<string> {
  const { resolveInRoot } = await archive();
  const host = await resolveInRoot(tree.root, parts(absPath), { followLast: true, clamp: true });
  return `/${relative(tree.root, host)}`;
}

function notFound(path: string, ref: string): WharfError {
  return new WharfError("not-found", `Could not find the file ${path} in container ${ref}`, {
    hint: "check the path inside the container (`wharf exec` or `wharf export` show its files)",
  });
}

/** The source's archive: where its top entry is on the host and the name it takes in the tar. */
async function sourceArchive(tree: ContainerTree, ref: string, path: string, followLink: boolean) {
  const { specifiesCurrentDir } = await archive();
  const r = await resolvePath(tree, path);
  if (!r.st) throw notFound(r.absPath, ref);
  let host = r.host;
  let st = r.st;
  if (st.isSymbolicLink() && followLink) {
    const target = await linkTarget(tree, r.absPath);
    host = resolve(tree.root, `.${target}`);
    const t = await lstatOrUndefined(host);
    if (!t) throw notFound(target, ref);
    st = t;
  }
  const clean = host.replace(/\/+$/, "").replace(/\/\.$/, "");
  // `dir/.` and `/` itself: the directory's contents, under the name `.`.
  const current = specifiesCurrentDir(r.absPath) || parts(r.absPath).length === 0;
  const sourceDir = current ? clean : posix.dirname(clean);
  const sourceBase = current ? "." : posix.basename(clean);
  const name = current ? "." : posix.basename(r.absPath.replace(/\/+$/, "")) || ".";
  return { absPath: r.absPath, st, sourceDir, sourceBase, name };
}

/**
 * `cp CONTAINER:SRC -`: the tar of a path in a container (Docker's `archivePath`): the path
 * resolved inside the container's root (symlinks on the way lead inside it, never out), the last
 * element followed only with `followLink`, its top entry named as the path's last element (`.` for
 * `dir/.`). A running container is read through its own root, a stopped one through a read-only
 * view; either is let go when the tar has been read.
 */
export async function* containerArchive(
  ctx: RuntimeContext,
  ref: string,
  path: string,
  o: { followLink?: boolean } = {},
): Bytes {
  const rec = await getContainer(ctx, ref);
  const tree = await openContainerTree(ctx, rec, { live: true });
  try {
    const src = await sourceArchive(tree, ref, path, o.followLink === true);
    const { writeTar } = await archive();
    yield* writeTar(src.sourceDir, { only: { path: src.sourceBase, name: src.name } });
  } finally {
    await tree.release();
  }
}

export interface CopyResult {
  /** Bytes of tar moved (what Docker's "Successfully copied" counts). */
  bytes: number;
}

/**
 * `cp CONTAINER:SRC DEST`: a path of a container copied to the host by Docker's rules
 * (`archive.CopyTo`): into an existing directory under its own name, else to DEST itself; `dir/.`
 * copies the directory's contents; a directory onto a file, or a file onto a missing `dir/`, is an
 * error. Files get the caller as owner, or the container's owners with `archive`.
 */
export async function copyFromContainer(
  ctx: RuntimeContext,
  ref: string,
  src: string,
  dest: string,
  o: { followLink?: boolean; archive?: boolean; signal?: AbortSignal } = {},
): Promise<CopyResult> {
  const a = await archive();
  const rec = await getContainer(ctx, ref);
  const dstInfo = await a.hostDestinationInfo(a.preserveTrailingDotOrSeparator(resolve(dest), dest));
  const tree = await openContainerTree(ctx, rec, { live: true });
  try {
    const s = await sourceArchive(tree, ref, src, o.followLink === true);
    const plan = a.prepareArchiveCopy({ path: s.absPath, exists: true, isDir: s.st.isDirectory() }, dstInfo);
    // A signal stops the copy between chunks, so that the view is let go (`finally`) before wharf ends.
    const tar = untilAborted(
      a.writeTar(s.sourceDir, { only: { path: s.sourceBase, name: s.name } }),
      o.signal,
    );
    const r = await a.extractTar(tar, {
      root: plan.dstDir,
      dir: [],
      owner: o.archive ? "keep" : "caller",
      ...(plan.rebase ? { rebase: { from: s.name, to: plan.rebase.to } } : {}),
      onWarning: ctx.onWarning,
    });
    return { bytes: r.bytes };
  } finally {
    await tree.release();
  }
}

export type CopySource = { path: string; followLink?: boolean } | { tar: Bytes };

/**
 * `cp SRC CONTAINER:DEST` and `cp - CONTAINER:DEST`: a host path (archived by Docker's rules,
 * renamed for the destination) or a tar from stdin (DEST must then be a directory), extracted in
 * the container (Docker's `extractToDir`): the extraction point resolved inside the container's
 * root, its last symlink followed, and a directory; entries never written outside the root. A
 * running container is written through its own root (its volumes included), a stopped one through
 * its overlay mounted for the time of the copy. Files belong to root, or keep their owners with
 * `archive`. Returns the tar's size and the destination as Docker prints it.
 */
export async function copyToContainer(
  ctx: RuntimeContext,
  ref: string,
  dest: string,
  from: CopySource,
  o: { archive?: boolean; signal?: AbortSignal } = {},
): Promise<CopyResult & { dest: string }> {
  const a = await archive();
  const rec = await getContainer(ctx, ref);
  const srcInfo =
    "path" in from ? await a.hostSourceInfo(resolveLocal(a, from.path), from.followLink === true) : undefined;
  const tree = await openContainerTree(ctx, rec, { write: true });
  try {
    let dstPath = dest;
    let r = await resolvePath(tree, dest);
    if (r.st?.isSymbolicLink()) {
      dstPath = await linkTarget(tree, r.absPath);
      r = await resolvePath(tree, dstPath);
    }
    if (r.st && !r.st.isDirectory() && !r.st.isFile()) {
      throw new WharfError(
        "invalid-argument",
        `destination "${ref}:${dest}" must be a directory or a regular file`,
      );
    }
    const dstInfo = { path: dstPath, exists: r.st !== undefined, isDir: r.st?.isDirectory() === true };
    let tar: Bytes;
    let dstDir = dstPath;
    let rebase: { from: string; to: string } | undefined;
    if (srcInfo === undefined) {
      if (!dstInfo.isDir)
        throw new WharfError("invalid-argument", `destination "${ref}:${dest}" must be a directory`);
      tar = (from as { tar: Bytes }).tar;
    } else {
      const plan = a.prepareArchiveCopy(srcInfo, dstInfo);
      const { dir, base } = a.splitPathDirEntry(srcInfo.path);
      const name = srcInfo.rebaseName || base;
      tar = a.writeTar(dir, { only: { path: base, name } });
      dstDir = plan.dstDir;
      if (plan.rebase) rebase = { from: name, to: plan.rebase.to };
    }
    const point = await a.resolveInRoot(tree.root, parts(dstDir), { followLast: true, clamp: true });
    // With a trailing `/`, so that the root itself (`/proc/<pid>/root`, a magic link) is followed.
    if (!(await lstatOrUndefined(`${point}/`))?.isDirectory()) {
      throw new WharfError("invalid-argument", "extraction point is not a directory", {
        hint: `the destination's directory ${dstDir} does not exist in the container`,
      });
    }
    const done = await a.extractTar(untilAborted(tar, o.signal), {
      root: tree.root,
      dir: parts(relative(tree.root, point)),
      owner: o.archive ? "keep" : { uid: 0, gid: 0 },
      ...(rebase ? { rebase } : {}),
      onWarning: ctx.onWarning,
    });
    return { bytes: done.bytes, dest: `${ref}:${dstPath}` };
  } finally {
    await tree.release();
  }
}

function resolveLocal(
  a: { preserveTrailingDotOrSeparator: (c: string, o: string) => string },
  p: string,
): string {
  return a.preserveTrailingDotOrSeparator(resolve(p), p);
}

/**
 * `docker cp`'s path rules (moby's `archive` copy helpers, as the Docker CLI applies them): what a
 * source path names, where a destination path leads, and how the archive of the source is
 * renamed so that extracting it in a directory gives what `cp -a` would.
 */
import { lstat, readlink, realpath } from "node:fs/promises";
import { isAbsolute, join, posix } from "node:path";
import { errnoCode, WharfError } from "../errors/index.js";

/** What a copy's source or destination is. */
export interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  /** The name the source's top entry takes in the archive, when it differs from the path's base. */
  rebaseName?: string;
}

/** `dir/.`, `dir/`, `.`: paths that say "this directory's contents" or "a directory". */
export function specifiesCurrentDir(path: string): boolean {
  return posix.basename(path) === "." && (path === "." || path.endsWith("/."));
}

export function hasTrailingSeparator(path: string): boolean {
  return path.length > 0 && path.endsWith("/");
}

/** A path that must be a directory: it ends with `/` or `/.`. */
export function assertsDirectory(path: string): boolean {
  return hasTrailingSeparator(path) || specifiesCurrentDir(path);
}

/** `cleaned`, with the trailing `/.` or `/` that `original` had (lost by cleaning). */
export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  if (specifiesCurrentDir(original) && !specifiesCurrentDir(cleaned)) {
    return `${cleaned.endsWith("/") ? cleaned : `${cleaned}/`}.`;
  }
  if (hasTrailingSeparator(original) && !hasTrailingSeparator(cleaned)) return `${cleaned}/`;
  return cleaned;
}

/** The directory and the last element of a path; `dir/.` gives `dir` and `.`. */
export function splitPathDirEntry(path: string): { dir: string; base: string } {
  let cleaned = posix.normalize(path);
  if (cleaned.length > 1 && cleaned.endsWith("/")) cleaned = cleaned.slice(0, -1);
  if (specifiesCurrentDir(path)) cleaned = `${cleaned === "/" ? "" : cleaned}/.`;
  return { dir: posix.dirname(cleaned), base: posix.basename(cleaned) };
}

export const ERR_CANNOT_COPY_DIR = "cannot copy directory";
export const ERR_DIR_NOT_EXISTS = "no such directory";
export const ERR_NOT_DIRECTORY = "not a directory";

function copyError(message: string, hint: string): WharfError {
  return new WharfError("invalid-argument", message, { hint });
}

/** Where the archive of `src` is extracted for `dst`, and how its top entry is renamed. */
export interface ArchivePlan {
  /** The directory to extract in. */
  dstDir: string;
  /** Rename the archive's top entry `from` (and what is below it) to `to`; none: extract as is. */
  rebase?: { from: string; to: string };
}

/**
 * moby's `PrepareArchiveCopy`: a directory destination takes the archive as it is; otherwise the
 * archive goes to the destination's parent with its top entry renamed to the destination's name.
 * A directory onto an existing file, and a file onto a missing `dir/`, are refused.
 */
export function prepareArchiveCopy(src: CopyInfo, dst: CopyInfo): ArchivePlan {
  const { dir: dstDir, base: dstBase } = splitPathDirEntry(dst.path);
  const srcBase = src.rebaseName || splitPathDirEntry(src.path).base;
  if (dst.exists && dst.isDir) return { dstDir: dst.path };
  if (dst.exists && src.isDir) {
    throw copyError(
      ERR_CANNOT_COPY_DIR,
      "the destination is a file: name a directory, or a path that does not exist",
    );
  }
  if (!dst.exists && !src.isDir && assertsDirectory(dst.path)) {
    throw copyError(ERR_DIR_NOT_EXISTS, "the destination ends with / but is not an existing directory");
  }
  return { dstDir, rebase: { from: srcBase, to: dstBase } };
}

/** The renamed name of a tar entry (`from` → `to` for the top entry and what is below it). */
export function rebaseName(name: string, rebase: { from: string; to: string } | undefined): string {
  if (!rebase) return name;
  const { from, to } = rebase;
  const rest = name.slice(from.length);
  return name.startsWith(from) && (rest === "" || rest.startsWith("/")) ? `${to}${rest}` : name;
}

/**
 * moby's `CopyInfoSourcePath` for a host path: the parent's symlinks resolved, the last element
 * followed only with `followLink` (its original name kept through `rebaseName`); a trailing `/`
 * on something that is not a directory is an error.
 */
export async function hostSourceInfo(path: string, followLink: boolean): Promise<CopyInfo> {
  let resolved: string;
  let rebase: string | undefined;
  try {
    if (followLink) {
      resolved = preserveTrailingDotOrSeparator(await realpath(path), path);
      if (posix.basename(path) !== posix.basename(resolved)) rebase = posix.basename(path);
    } else {
      const slash = path.lastIndexOf("/");
      const dir = slash < 0 ? "." : path.slice(0, slash + 1) || "/";
      const base = slash < 0 ? path : path.slice(slash + 1);
      const real = await realpath(dir);
      resolved = `${real === "/" ? "" : real}/${base}`;
      if (hasTrailingSeparator(path) && posix.basename(path) !== posix.basename(resolved)) {
        rebase = posix.basename(path);
      }
    }
    const st = await lstat(resolved);
    if (assertsDirectory(path) && !st.isDirectory()) {
      throw copyError(`${path}: ${ERR_NOT_DIRECTORY}`, "a source that ends with / must be a directory");
    }
    return {
      path: resolved,
      exists: true,
      isDir: st.isDirectory(),
      ...(rebase ? { rebaseName: rebase } : {}),
    };
  } catch (e) {
    if (e instanceof WharfError) throw e;
    const code = errnoCode(e);
    if (code === "ENOTDIR") {
      throw new WharfError("invalid-argument", `lstat ${path}: ${ERR_NOT_DIRECTORY}`, {
        hint: "a source that ends with / must be a directory",
        cause: e,
      });
    }
    if (code === "ENOENT") {
      throw new WharfError("not-found", `lstat ${path}: no such file or directory`, {
        hint: "check the local source path",
        cause: e,
      });
    }
    throw e;
  }
}

/**
 * moby's `CopyInfoDestinationPath` for a host path: symlinks at the destination are followed (up
 * to 10; a dangling one names the file to create); a missing destination needs an existing parent
 * directory.
 */
export async function hostDestinationInfo(path: string): Promise<CopyInfo> {
  let p = path;
  for (let n = 0; ; n++) {
    let st: Awaited<ReturnType<typeof lstat>> | undefined;
    try {
      st = await lstat(p);
    } catch (e) {
      if (errnoCode(e) !== "ENOENT") throw e;
    }
    if (st && !st.isSymbolicLink()) return { path: p, exists: true, isDir: st.isDirectory() };
    if (!st) {
      const parent = splitPathDirEntry(p).dir;
      let pst: Awaited<ReturnType<typeof lstat>>;
      try {
        pst = await lstat(await realpath(parent));
      } catch (e) {
        if (errnoCode(e) === "ENOENT") {
          throw new WharfError("not-found", `stat ${parent}: no such file or directory`, {
            hint: "the destination's parent directory must exist",
          });
        }
        throw e;
      }
      if (!pst.isDirectory()) throw copyError(ERR_NOT_DIRECTORY, `${parent} is not a directory`);
      return { path: p, exists: false, isDir: false };
    }
    if (n >= 10) throw copyError(`too many symlinks in ${path}`, "the destination is a symlink loop");
    const target = await readlink(p);
    p = isAbsolute(target) ? target : join(splitPathDirEntry(p).dir, target);
  }
}

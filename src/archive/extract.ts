import { chmod, lchown, link, lstat, lutimes, mkdir, rm, symlink } from "node:fs/promises";
import { join } from "node:path";
import { extract, type Header } from "tar-stream";
import type { Bytes } from "../digest/index.js";
import { errnoCode, WharfError } from "../errors/index.js";
import { rebaseName } from "./cp.js";
import { feedExtractor } from "./feed.js";
import { writeNewFile } from "./new-file.js";
import { entryComponents, resolveInRoot } from "./paths.js";

export interface ExtractOptions {
  /** The tree the paths live in, as `/`: nothing is written outside it; symlinks resolve inside it. */
  root: string;
  /** The directory to extract in, as components below `root` (resolved inside it). */
  dir: readonly string[];
  /** Owners: the tar's (`keep`), one for all (`docker cp` into a container: root), or the caller's. */
  owner: "keep" | "caller" | { uid: number; gid: number };
  /** Rename the top entry (`docker cp`'s rebased archive). */
  rebase?: { from: string; to: string };
  onWarning?: (message: string) => void;
}

export interface ExtractResult {
  /** Bytes of tar read. */
  bytes: number;
  entries: number;
}

async function lstatOrUndefined(p: string) {
  try {
    return await lstat(p);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return undefined;
    throw e;
  }
}

function refuse(message: string): never {
  throw new WharfError("conflict", message, {
    hint: "remove the existing entry first, or copy to another path",
  });
}

/**
 * Extracts a tar as `docker cp` does (moby's `Untar` with `NoOverwriteDirNonDir`): entries replace
 * files and symlinks, merge into directories, and never turn a directory into a non-directory or
 * the reverse. Parent paths are resolved inside `root` as in a chroot (a symlink to `/etc` leads to
 * `root/etc`, `..` stops at the root), the last element is never followed, files are created with
 * `O_NOFOLLOW`. Whiteouts have no meaning here: a `.wh.` name is an ordinary file. Devices and
 * fifos are skipped with a warning.
 */
export async function extractTar(src: Bytes, o: ExtractOptions): Promise<ExtractResult> {
  let bytes = 0;
  const counted = (async function* () {
    for await (const c of src) {
      bytes += c.byteLength;
      yield c;
    }
  })();
  const asRoot = process.getuid?.() === 0;
  const dirTimes: [string, Date][] = [];
  const ex = extract();
  const feed = feedExtractor(counted, ex);
  let entries = 0;
  let failure: unknown;
  const ownerOf = (h: Header) =>
    o.owner === "keep" ? { uid: h.uid ?? 0, gid: h.gid ?? 0 } : o.owner === "caller" ? undefined : o.owner;
  try {
    for await (const entry of ex) {
      const h = entry.header;
      const name = rebaseName(h.name, o.rebase);
      const parts = [...o.dir, ...entryComponents(name)];
      const owner = asRoot ? ownerOf(h) : undefined;
      const mode = (h.mode ?? 0o644) & 0o7777;
      const mtime = h.mtime ?? new Date(0);
      let path = o.root;
      if (parts.length > 0) {
        const parent = await resolveInRoot(o.root, parts.slice(0, -1), { followLast: true, clamp: true });
        // A tar may leave out directory entries: the parents are made, as Docker's untar does.
        await mkdir(parent, { recursive: true, mode: 0o755 });
        path = join(parent, parts.at(-1) as string);
      }
      const st = await lstatOrUndefined(path);
      const isDirEntry = h.type === "directory";
      if (st?.isDirectory() && !isDirEntry)
        refuse(`cannot overwrite directory "${path}" with non-directory "${name}"`);
      if (st && !st.isDirectory() && isDirEntry) {
        refuse(`cannot overwrite non-directory "${path}" with directory "${name}"`);
      }
      switch (h.type) {
        case "directory":
          if (!st) await mkdir(path, { mode: 0o700 });
          if (owner) await lchown(path, owner.uid, owner.gid);
          await chmod(path, mode);
          dirTimes.push([path, mtime]);
          break;
        case "file":
        case "contiguous-file": {
          if (st) await rm(path, { force: true });
          await writeNewFile(path, entry, { ...(owner ? { owner } : {}), mode, mtime });
          break;
        }
        case "symlink":
          if (st) await rm(path, { force: true });
          await symlink(h.linkname ?? "", path);
          if (owner) await lchown(path, owner.uid, owner.gid);
          await lutimes(path, mtime, mtime);
          break;
        case "link": {
          const target = [...o.dir, ...entryComponents(rebaseName(h.linkname ?? "", o.rebase))];
          const from = await resolveInRoot(o.root, target, { clamp: true });
          if (st) await rm(path, { force: true });
          await link(from, path);
          break;
        }
        default:
          o.onWarning?.(`skipped ${name}: ${h.type} entries are not copied`);
      }
      for await (const _ of entry);
      entries++;
    }
  } catch (e) {
    failure = e;
    ex.destroy();
  }
  const streamError = await feed;
  if (failure === undefined && streamError !== undefined) failure = streamError;
  if (failure !== undefined) {
    if (failure instanceof WharfError) throw failure;
    throw new WharfError("io", `cannot extract the archive: ${(failure as Error).message}`, {
      cause: failure,
    });
  }
  for (const [dir, t] of dirTimes.reverse()) await lutimes(dir, t, t).catch(() => undefined);
  return { bytes, entries };
}

import { type Dirent, readdirSync, rmdirSync } from "node:fs";
import { rmdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode } from "../errors/index.js";
import { removeFile } from "./small.js";

/** A directory's entries with their types; "gone" when nothing is at the path, "file" when no directory is. */
function listing(path: string): Dirent[] | "gone" | "file" {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (e) {
    const code = errnoCode(e);
    if (code === "ENOENT") return "gone";
    if (code !== "ENOTDIR") throw e;
    return "file";
  }
}

/**
 * Deletes a file or a directory tree, synchronously; a missing path is not an error. For the small
 * trees a command removes on its way (a container's directory, an unchanged rootfs): it takes the
 * entries' types from the directory listing, where `rmSync({ recursive })` stats each one first
 * (about a third slower on a container's directory). Symbolic links are removed, never followed.
 */
export function removeTree(path: string): void {
  const entries = listing(path);
  if (entries === "gone") return;
  if (entries === "file") {
    removeFile(path);
    return;
  }
  for (const e of entries) {
    const p = join(path, e.name);
    if (e.isDirectory()) removeTree(p);
    else removeFile(p);
  }
  try {
    rmdirSync(path);
  } catch (e) {
    if (errnoCode(e) !== "ENOENT") throw e;
  }
}

/**
 * `removeTree` with the unlinks and rmdirs of a directory's entries issued at once, on libuv's
 * thread pool (the listing stays synchronous: it frees nothing). Where the filesystem is mounted
 * with `discard` (ext4 here), each unlink or rmdir that frees a block waits for that block's
 * discard on the disk, 1-2 ms each in turn with `removeTree`; issued together they wait about as
 * long as one (a `--rm` container's rootfs and directory: `runtime/README.md`, start-up cost).
 * A directory's own rmdir follows its entries'; the first error is thrown after all have ended.
 * At most `BATCH` entries of a directory at a time: a large tree (a container's upper dir) does not
 * queue a request for each of its files at once.
 */
export async function removeTreeAsync(path: string): Promise<void> {
  const entries = listing(path);
  if (entries === "gone") return;
  if (entries === "file") return unlink(path).catch(ignoreMissing);
  for (let i = 0; i < entries.length; i += BATCH) {
    await allOf(
      entries.slice(i, i + BATCH).map((e) => {
        const p = join(path, e.name);
        return e.isDirectory() ? removeTreeAsync(p) : unlink(p).catch(ignoreMissing);
      }),
    );
  }
  await rmdir(path).catch(ignoreMissing);
}

const BATCH = 64;

/** Several trees removed at once (`removeTreeAsync`). */
export function removeTreesAsync(paths: readonly string[]): Promise<void> {
  return allOf(paths.map(removeTreeAsync));
}

/** Waits for all of `work`, then throws the first error, if any: nothing is left running. */
export async function allOf(work: readonly (Promise<unknown> | undefined)[]): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}

function ignoreMissing(e: unknown): void {
  if (errnoCode(e) !== "ENOENT") throw e;
}

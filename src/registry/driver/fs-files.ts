import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { uniqueSuffix } from "../../digest/index.js";
import { errnoCode, WharfError } from "../../errors/index.js";
import { fsyncDir } from "../../files/index.js";

/**
 * The filesystem driver's two tree operations that other writers and deleters may race, here or in
 * another process sharing the directory: a small file's atomic write, and a tree's removal.
 *
 * A delete renames the tree into a trash directory before removing it, so that it vanishes from its
 * path in one step. A writer whose directory vanishes that way between its `mkdir` and its
 * rename finds its temp file gone with it (ENOENT) and writes again into a fresh directory: its
 * write then comes after the delete. Without the rename, `rm -r` could meet a writer's new temp file
 * in a directory it had emptied (ENOTEMPTY), and the writer a directory removed under it (ENOENT).
 */

/** Tries before a write gives up on a directory that keeps vanishing. */
const ATTEMPTS = 100;

export async function writeSmallFile(file: string, content: Uint8Array, sync: boolean): Promise<void> {
  const dir = dirname(file);
  for (let attempt = 1; ; attempt++) {
    const tmp = join(dir, `.tmp-${process.pid}-${uniqueSuffix()}`);
    try {
      // mkdir -p itself fails with ENOENT when the directory it found vanishes before it checks it.
      await mkdir(dir, { recursive: true });
      const fh = await open(tmp, "wx");
      try {
        await fh.writeFile(content);
        if (sync) await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
    } catch (e) {
      await rm(tmp, { force: true });
      // ENOENT: a delete took the directory (and the temp file in it) away; write again.
      if (errnoCode(e) === "ENOENT" && attempt < ATTEMPTS) continue;
      throw e;
    }
    if (sync) {
      // The file was in place; a delete that removed it since came after this write.
      await fsyncDir(dir).catch((e: unknown) => {
        if (errnoCode(e) !== "ENOENT") throw e;
      });
    }
    return;
  }
}

/**
 * Removes a file or a tree; false when there was nothing at the path. The path is renamed into
 * `trashDir` first (atomic), then removed there: nothing writes into it any more, so the removal
 * cannot meet new entries. `trashDir` is outside the registry's tree (`<root>/.wharf-trash`), so
 * neither wharf nor Distribution ever lists what a crash leaves in it; on another filesystem (EXDEV)
 * a hidden name beside the path does instead.
 */
export async function removeTreeAtomically(p: string, trashDir: string): Promise<boolean> {
  const unique = `${basename(p)}-${process.pid}-${uniqueSuffix()}`;
  let trash = join(trashDir, unique);
  try {
    await mkdir(trashDir, { recursive: true });
    try {
      await rename(p, trash);
    } catch (e) {
      if (errnoCode(e) !== "EXDEV") throw e;
      trash = join(dirname(p), `.trash-${unique}`);
      await rename(p, trash);
    }
  } catch (e) {
    const c = errnoCode(e);
    if (c === "ENOENT" || c === "ENOTDIR") return false;
    throw e;
  }
  try {
    await rm(trash, { recursive: true, force: true });
  } catch (e) {
    throw new WharfError("io", `cannot remove ${p}: ${errnoCode(e) ?? String(e)}`, { cause: e });
  }
  return true;
}

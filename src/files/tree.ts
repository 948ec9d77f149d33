import { readdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { errnoCode } from "../errors/index.js";
import { removeFile } from "./small.js";

/**
 * Deletes a file or a directory tree, synchronously; a missing path is not an error. For the small
 * trees a command removes on its way (a container's directory, an unchanged rootfs): it takes the
 * entries' types from the directory listing, where `rmSync({ recursive })` stats each one first
 * (about a third slower on a container's directory). Symbolic links are removed, never followed.
 */
export function removeTree(path: string): void {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch (e) {
    const code = errnoCode(e);
    if (code === "ENOENT") return;
    if (code !== "ENOTDIR") throw e;
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

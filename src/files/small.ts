import { readFileSync, unlinkSync } from "node:fs";
import { errnoCode } from "../errors/index.js";

/** A small file's text, or `fallback` when it cannot be read (missing, unreadable). Synchronous. */
export function readTextOr(path: string, fallback = ""): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}

/** Deletes one file (not a directory); a missing one is not an error. Synchronous. */
export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if (errnoCode(e) !== "ENOENT") throw e;
  }
}

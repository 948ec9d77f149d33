import { errnoCode } from "./wharf-error.js";

/** What to do about a filesystem that refuses wharf's writes (nothing stored was changed by it). */
const DISK_HINTS: Record<string, string> = {
  ENOSPC:
    "no space is left on the disk being written (wharf's --root, or an output file's): free space (wharf system prune and wharf builder prune free wharf's) and run the command again",
  EDQUOT: "the disk quota of the disk being written is used up: free space and run the command again",
  EROFS: "the filesystem being written is read-only: give a writable --root or output path",
};

/** The hint for a full or read-only disk's system error (ENOSPC, EDQUOT, EROFS); else undefined. */
export function diskErrorHint(e: unknown): string | undefined {
  return DISK_HINTS[errnoCode(e) ?? ""];
}

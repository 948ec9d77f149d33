import { errnoCode } from "./wharf-error.js";

/** What to do about a filesystem that refuses wharf's writes (nothing stored was changed by it). */
const DISK_HINTS: Record<string, string> = {
  ENOSPC:
    "the disk that holds wharf's data (--root) is full: free space (wharf system prune, wharf builder prune) and run the command again",
  EDQUOT: "the disk quota of wharf's data (--root) is used up: free space and run the command again",
  EROFS: "wharf's data (--root) is on a read-only filesystem: give a writable --root",
};

/** The hint for a full or read-only disk's system error (ENOSPC, EDQUOT, EROFS); else undefined. */
export function diskErrorHint(e: unknown): string | undefined {
  return DISK_HINTS[errnoCode(e) ?? ""];
}

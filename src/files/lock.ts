import { closeSync, openSync, writeSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { errnoCode, WharfError } from "../errors/index.js";
import { readTextOr, removeFile } from "./small.js";

export interface LockOptions {
  /** Give up after this many milliseconds (default 60 s). */
  timeoutMs?: number;
}

/** True when a process with this PID exists (EPERM: it exists but belongs to another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === "EPERM";
  }
}

/**
 * An exclusive lock between processes: a file created with O_EXCL that holds the owner's PID. A lock
 * whose owner is no longer running is stale and is taken over. Returns the release function.
 */
export async function acquireLock(path: string, opts: LockOptions = {}): Promise<() => Promise<void>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let wait = 2;
  for (;;) {
    // Synchronous calls: a lock is taken on the way of most commands, and a thread-pool round trip
    // costs ten times the system call; only the wait between tries yields.
    try {
      const fd = openSync(path, "wx", 0o644);
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        removeFile(path);
      };
    } catch (e) {
      if (errnoCode(e) !== "EEXIST") throw e;
    }
    const owner = Number.parseInt(readTextOr(path), 10);
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && !processAlive(owner)) {
      removeFile(path);
      continue;
    }
    if (Date.now() > deadline) {
      throw new WharfError("timeout", `timed out waiting for the lock ${path}`, {
        hint: `another wharf process holds it; if none is running, remove ${path}`,
      });
    }
    await sleep(wait);
    wait = Math.min(wait * 2, 100);
  }
}

/** Runs `fn` while holding the lock at `path`. */
export async function withLock<T>(path: string, fn: () => Promise<T>, opts?: LockOptions): Promise<T> {
  const release = await acquireLock(path, opts);
  try {
    return await fn();
  } finally {
    await release();
  }
}

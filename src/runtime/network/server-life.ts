import { readFileSync, unlinkSync, writeSync } from "node:fs";
import { withLock, writeFileAtomicSync } from "../../files/index.js";

/**
 * The life of wharf's on-demand servers (`dns-server.ts`, `proxy-server.ts`): a detached process
 * with a PID file, started by the first start that needs it and finds none, ending by itself.
 */

/** Removes the PID file when it still names this process (another server may have replaced it). */
export function dropOwnPidFile(path: string): void {
  try {
    if (Number.parseInt(readFileSync(path, "utf8"), 10) === process.pid) unlinkSync(path);
  } catch {
    // gone with its network or root
  }
}

/**
 * Once it serves: its PID file, a line on stdout for the start that spawned it (which may have
 * stopped waiting), and an end on SIGTERM that drops the PID file.
 */
export function announceReady(pidPath: string): void {
  writeFileAtomicSync(pidPath, `${process.pid}\n`, { mode: 0o600 });
  try {
    writeSync(1, "ready\n");
  } catch {
    // the start that spawned it stopped waiting
  }
  process.on("SIGTERM", () => {
    dropOwnPidFile(pidPath);
    process.exit(0);
  });
}

/** How often an on-demand server looks, and how long it stays without work before it ends. */
const CHECK_MS = 500;
const IDLE_MS = 3000;

export interface IdleEnd {
  /** Its reason to be is gone (the network, the root): it exits at once. */
  gone(): boolean;
  /** Work in progress now (called each check; may also do the check's own work). */
  busy(): boolean;
  /** The lock the starts that would use it take: the end is decided under it. */
  lock: string;
  /** Asked again under the lock, where no start can slip in between. */
  stillBusy(): boolean;
  /** Stops serving and drops its PID file; the process then exits. */
  close(): Promise<void>;
  log(line: string): void;
}

/**
 * The end of an on-demand server (`dns-server.ts`, `proxy-server.ts`): checked every CHECK_MS; after
 * IDLE_MS without work it decides under the starts' lock, so that a start that finds it running
 * never loses it, and a start after its end finds none and starts another.
 */
export function endWhenIdle(o: IdleEnd): void {
  let busyAt = Date.now();
  let ending = false;
  setInterval(() => {
    if (ending) return;
    if (o.gone()) process.exit(0);
    if (o.busy()) {
      busyAt = Date.now();
      return;
    }
    if (Date.now() - busyAt < IDLE_MS) return;
    ending = true;
    withLock(o.lock, async () => {
      if (o.stillBusy()) return false;
      await o.close();
      return true;
    }).then(
      (end) => {
        if (end) process.exit(0);
        busyAt = Date.now();
        ending = false;
      },
      (e: unknown) => {
        o.log(`ending: ${(e as Error).message}`);
        ending = false;
      },
    );
  }, CHECK_MS);
}

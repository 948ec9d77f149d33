import { closeSync, existsSync, openSync, readFileSync, write } from "node:fs";
import { join } from "node:path";

/**
 * Moving a process into a cgroup (a write to `cgroup.procs`) takes the kernel's one global
 * cgroup-threadgroup lock for writing. When no one has taken it for a while, taking it first waits
 * for a whole RCU grace period: about 10 ms on an idle host, a third of what `runc run` takes here.
 * Once taken, it stays cheap for about one more grace period after it is let go.
 *
 * runc moves every container's first process into its cgroups, and `runc exec` every exec'd one.
 * `warmCgroupLock` moves this process into the cgroup it is already in (no change at all) on a
 * worker thread, so that grace period passes while wharf is still preparing the container instead
 * of inside runc. A command calls it about 10 ms before it starts runc.
 */

/**
 * The `cgroup.procs` files this process is listed in, best first: the cgroup v2 one (`<base>` on a
 * unified host, `<base>/unified` on a hybrid one), then one per cgroup v1 hierarchy that has a
 * single real controller (its mount is then `<base>/<controller>`). Any of them takes the same
 * global lock; the v2 file comes first because it is read (to check that it lists this process)
 * without building and sorting a PID list: 0.08 ms here against 0.45 for the v1 `pids` file of the
 * root cgroup, on the main thread of every `run`.
 */
export function ownProcsFiles(selfCgroup: string, base: string, unifiedAtBase: boolean): string[] {
  const v1: string[] = [];
  const v2: string[] = [];
  for (const line of selfCgroup.split("\n")) {
    const m = /^\d+:([^:]*):(\/.*)$/.exec(line);
    if (!m) continue;
    const [, controllers = "", path = "/"] = m;
    if (path.includes("..")) continue;
    if (controllers === "") v2.push(join(unifiedAtBase ? base : join(base, "unified"), path, "cgroup.procs"));
    else if (/^[a-z_]+$/.test(controllers)) v1.push(join(base, controllers, path, "cgroup.procs"));
  }
  return [...v2, ...v1];
}

/** Whether a `cgroup.procs` text (one PID a line) lists `pid`. */
export function listsPid(procs: string, pid: number): boolean {
  return `\n${procs}`.includes(`\n${pid}\n`);
}

/** How often the lock is taken again while it is kept warm, and for how long at most. */
export interface WarmOptions {
  everyMs?: number;
  forMs?: number;
}

/** The keeper of a warm lock in this process, if one is running. */
let keeper: Keeper | undefined;
interface Keeper {
  fd: number;
  until: number;
  /** The wait before the next move; unset while a move is under way. */
  timer?: NodeJS.Timeout;
  stopped: boolean;
  closed: boolean;
  /** The next move, at once. */
  move?: () => void;
}

/**
 * Starts the no-op move described above and keeps making it every few milliseconds until
 * `stopWarmingCgroupLock()` (the monitor calls it once runc has written the PID file, its moves
 * into the container's cgroups done) or until `forMs` have passed. One move is not enough: the
 * lock goes cold again one or two grace periods after it is let go, and runc's first move comes
 * 25-35 ms after `run` starts, so a single early move missed it in about half the runs here. While
 * kept warm, a move costs microseconds; the timer does not keep the process alive.
 *
 * Returns at once. The promise says whether a file took the first write; callers need not wait for
 * it. Any failure (not root, no cgroups, a read-only cgroupfs) only leaves runc to wait as it
 * would have. A second call while the lock is kept warm moves again at once and extends the time
 * it is kept warm: the monitor calls it just before it spawns runc.
 */
export function warmCgroupLock(base = "/sys/fs/cgroup", opts: WarmOptions = {}): Promise<boolean> {
  const everyMs = opts.everyMs ?? 4;
  const until = Date.now() + (opts.forMs ?? 400);
  if (keeper && !keeper.stopped) {
    // Moved again now (unless a move is under way): the timer cannot fire while the main thread
    // does synchronous work, and a gap of a grace period lets the lock go cold.
    const k = keeper;
    k.until = Math.max(k.until, until);
    if (k.timer) {
      clearTimeout(k.timer);
      k.timer = undefined;
      k.move?.();
    }
    return Promise.resolve(true);
  }
  let fd: number | undefined;
  try {
    const self = readFileSync("/proc/self/cgroup", "latin1");
    for (const file of ownProcsFiles(self, base, existsSync(join(base, "cgroup.controllers")))) {
      try {
        // Only a file that lists this process already: where a cgroupfs is mounted from a subtree
        // (a container without its own cgroup namespace), the path above may name another cgroup,
        // and the write would move wharf there.
        if (!listsPid(readFileSync(file, "latin1"), process.pid)) continue;
        fd = openSync(file, "w");
        break;
      } catch {}
    }
  } catch {}
  if (fd === undefined) return Promise.resolve(false);
  const k: Keeper = { fd, until, stopped: false, closed: false };
  keeper = k;
  const pid = Buffer.from(String(process.pid));
  return new Promise((resolve) => {
    const move = (first: boolean): void => {
      // The one call that waits (a whole grace period when the lock is cold): fs.write runs on
      // libuv's thread pool. At offset 0, so that a plain file (the tests') holds one PID.
      write(k.fd, pid, 0, pid.length, 0, (err) => {
        if (first) resolve(err === null);
        if (err !== null || k.stopped || Date.now() >= k.until) return stop(k);
        k.timer = setTimeout(() => {
          k.timer = undefined;
          move(false);
        }, everyMs);
        k.timer.unref();
      });
    };
    k.move = () => move(false);
    move(true);
  });
}

function stop(k: Keeper): void {
  k.stopped = true;
  if (k.timer) clearTimeout(k.timer);
  k.timer = undefined;
  if (!k.closed) {
    k.closed = true;
    try {
      closeSync(k.fd);
    } catch {}
  }
  if (keeper === k) keeper = undefined;
}

/**
 * Ends `warmCgroupLock`'s moves: runc has made its own. A write under way finishes (its fd is
 * closed by then or by its callback).
 */
export function stopWarmingCgroupLock(): void {
  if (!keeper) return;
  const k = keeper;
  keeper = undefined;
  k.stopped = true;
  // Between moves: closed now. Otherwise the move under way's callback sees `stopped` and closes it.
  if (k.timer) stop(k);
}

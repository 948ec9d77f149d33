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
 * The `cgroup.procs` files this process is listed in, best first: one per cgroup v1 hierarchy that
 * has a single real controller (its mount is then `<base>/<controller>`), then the cgroup v2 one
 * (`<base>` on a unified host, `<base>/unified` on a hybrid one).
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
  return [...v1, ...v2];
}

/** Whether a `cgroup.procs` text (one PID a line) lists `pid`. */
export function listsPid(procs: string, pid: number): boolean {
  return `\n${procs}`.includes(`\n${pid}\n`);
}

/**
 * Starts the no-op move described above and returns at once. The promise says whether a file took
 * the write; callers need not wait for it (a process may exit with it pending). Any failure (not
 * root, no cgroups, a read-only cgroupfs) only leaves runc to wait as it would have.
 */
export function warmCgroupLock(base = "/sys/fs/cgroup"): Promise<boolean> {
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
  const opened = fd;
  return new Promise((resolve) => {
    // The one call that waits: fs.write runs on libuv's thread pool.
    write(opened, String(process.pid), (err) => {
      try {
        closeSync(opened);
      } catch {}
      resolve(err === null);
    });
  });
}

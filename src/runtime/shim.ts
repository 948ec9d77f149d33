/**
 * The detached container's keeper: started by `startContainer` in its own session, it runs the
 * container through `runMonitored` (log, PID, exit code), removes it when it was made with `--rm`,
 * and exits. Its own output goes to `<container dir>/shim.log`.
 */
import { warmCgroupLock } from "./cgroup-lock.js";
import type { ShimArgs } from "./lifecycle.js";
import { runMonitored } from "./monitor.js";
import { removeContainer } from "./remove.js";
import { readRecordRaw } from "./store.js";
import type { RuntimeContext } from "./types.js";

async function main(): Promise<number> {
  // runc starts a few milliseconds from here: see cgroup-lock.ts.
  void warmCgroupLock();
  const args = JSON.parse(process.argv[2] ?? "{}") as ShimArgs;
  const ctx: RuntimeContext = { root: args.root, ...(args.runc ? { runc: args.runc } : {}) };
  const rec = await readRecordRaw(ctx, args.id);
  if (!rec) return 1;
  // A detached container has no terminal of its own to hand runc; `script` provides one.
  const result = await runMonitored(ctx, rec.id, {
    stdin: rec.options.tty || rec.options.interactive ? "hold" : "null",
    tty: rec.options.tty ? "script" : "none",
  });
  // Written first: once a `--rm` container is removed, this file is gone but for the starter's
  // descriptor, which is how `startContainer` learns of the failure.
  if (result.error) console.error(result.error.message);
  if (rec.options.autoRemove) await removeContainer(ctx, rec.id, { force: true });
  return result.exitCode;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(125);
  },
);

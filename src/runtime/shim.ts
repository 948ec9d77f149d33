/**
 * The detached container's keeper: started by `startContainer` in its own session, it runs the
 * container through `runMonitored` (log, PID, exit code), runs its health checks while it runs,
 * restarts it as its restart policy says (restart.ts), removes it when it was made with `--rm`,
 * and exits. Its own output goes to `<container dir>/shim.log`.
 */
import { warmCgroupLock } from "./cgroup-lock.js";
import { healthConfigOf } from "./health-config.js";
import type { ShimArgs } from "./lifecycle.js";
import { runMonitored } from "./monitor.js";
import { removeContainer } from "./remove.js";
import { awaitRestart, nextBackoff, ranFor, restartHook } from "./restart.js";
import { readRecordRaw } from "./store.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

async function main(): Promise<number> {
  // runc starts a few milliseconds from here: see cgroup-lock.ts.
  void warmCgroupLock();
  const args = JSON.parse(process.argv[2] ?? "{}") as ShimArgs;
  const ctx: RuntimeContext = { root: args.root, ...(args.runc ? { runc: args.runc } : {}) };
  let rec: ContainerRecord | undefined = await readRecordRaw(ctx, args.id);
  if (!rec) return 1;
  const first = rec;
  // Loaded only for a container that has a health check.
  const health = healthConfigOf(rec) ? await import("./health.js") : undefined;
  const attach = rec.options.interactive ? await import("./attach-server.js") : undefined;
  const stdin = attach ? await attach.openStdinRelay(ctx, rec.id) : undefined;
  // The first start's network, made by the starter meanwhile (network/handoff.ts).
  let network = args.network ? (await import("./network/handoff.js")).receiveNetwork(3) : undefined;
  network?.catch(() => undefined);
  // The first start's links, resolved by the starter; a restart resolves them again (monitor.ts).
  let linked = args.linked;
  let backoff = 0;
  let exitCode = 0;
  for (;;) {
    let restart = false;
    let checks: { stop(): Promise<void> } | undefined;
    // A detached container has no terminal of its own to hand runc; `script` provides one.
    const result = await runMonitored(
      ctx,
      rec.id,
      {
        stdin: rec.options.tty || rec.options.interactive ? "hold" : "null",
        tty: rec.options.tty ? "script" : "none",
        ...(stdin ? { onSpawned: stdin.connect } : {}),
        ...(health ? { onStarted: (r: ContainerRecord) => (checks = health.startHealthChecks(ctx, r)) } : {}),
      },
      {
        onEnd: restartHook((r) => (restart = r)),
        ...(network ? { network } : {}),
        ...(linked ? { linked } : {}),
      },
    );
    network = undefined;
    linked = undefined;
    await checks?.stop();
    exitCode = result.exitCode;
    // Written first: once a `--rm` container is removed, this file is gone but for the starter's
    // descriptor, which is how `startContainer` learns of the failure.
    if (result.error) console.error(result.error.message);
    if (!restart) break;
    backoff = nextBackoff(backoff, ranFor(await readRecordRaw(ctx, rec.id)));
    rec = await awaitRestart(ctx, rec.id, backoff);
    if (!rec) break;
  }
  stdin?.close();
  if (first.options.autoRemove) await removeContainer(ctx, first.id, { force: true });
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(125);
  },
);

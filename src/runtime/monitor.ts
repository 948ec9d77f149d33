import { spawn } from "node:child_process";
import { existsSync, type FSWatcher, watch } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { WharfError } from "../errors/index.js";
import { readTextOr, removeFile } from "../files/index.js";
import { isBroken, onBrokenPipe } from "./broken-pipe.js";
import { bundleDir, hostnameOf, prepareBundle, releaseStartFiles } from "./bundle.js";
import { stopWarmingCgroupLock, warmCgroupLock } from "./cgroup-lock.js";
import { containerEvent, flushEvents } from "./events.js";
import { isoTime } from "./iso-time.js";
import type { Linked } from "./links.js";
import { type LogStream, openLogWriter } from "./logs.js";
import type { NetSetup } from "./network/attach.js";
import { completeNetwork, type NetworkStart } from "./network/gate.js";
import { releaseNetwork, startNetwork } from "./network/release.js";
import { wasOomKilled } from "./oom.js";
import type { OomWatch } from "./oom-watch.js";
import { oomMarkerOf, runcPidFile } from "./pid-file.js";
import { processStartTime } from "./proc.js";
import { type EndHook, type MonitorResult, recordEnd } from "./record-end.js";
import { runcBinary, runcDelete, runcGlobal, runcKill, runcLoggedError, startError } from "./runc.js";
import {
  childEnded,
  exitStatus,
  type MonitorIO,
  runtimeFailure,
  stderrFilter,
  ttyCommand,
} from "./runc-process.js";
import { containerDir, readRecordRaw, updateRecord } from "./store.js";
import type { LineSink } from "./syslog.js";
import { trace } from "./trace.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

export interface MonitorOptions {
  /** The record of a container this process has just made: no earlier start's files to clear. */
  fresh?: ContainerRecord;
  /**
   * Changes the record written at the end (under its lock), as a restart policy's keeper does to
   * say that it restarts the container (`restarting`, its monitor kept).
   */
  onEnd?: EndHook;
  /**
   * The caller removes the container when it ends (`--rm` in the foreground): its end is not
   * recorded first, nor are its per-start files released (`recordEnd` does both if the removal fails).
   */
  removedAfter?: boolean;
  /**
   * The network made by the starter (a detached start: network/handoff.ts); undefined from it:
   * nothing came, and the network is made here.
   */
  network?: Promise<NetSetup | undefined>;
  /** `--link`: the links as the starter resolved them for this start (else resolved here). */
  linked?: Linked;
}

const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH"] as const;

/** Calls `fn` with the name of what appears or changes in `dir` (inotify); undefined when it cannot watch. */
function watchFor(dir: string, fn: (name: string | null) => void): FSWatcher | undefined {
  try {
    const w = watch(dir, (_event, file) => fn(file));
    w.on("error", () => w.close());
    return w;
  } catch {
    return undefined;
  }
}

/**
 * Runs a created container with `runc run` and stays with it until it ends: streams its output to
 * the json-file log and to the caller, records `running` with its PID once runc has written the
 * PID file, and records the exit code and time (or the start failure) at the end. The foreground
 * `run` and the detached shim both use this.
 */
export async function runMonitored(
  ctx: RuntimeContext,
  id: string,
  io: MonitorIO,
  opts: MonitorOptions = {},
): Promise<MonitorResult> {
  const dir = containerDir(ctx, id);
  const pidFile = runcPidFile(ctx, id);
  const runcLog = join(dir, "runc.log");
  const raw = opts.fresh ?? (await readRecordRaw(ctx, id));
  if (!raw) throw new WharfError("container-not-found", `No such container: ${id}`);
  let rec0 = raw;
  // `--link`: resolved at each start, before anything is made (links.ts, loaded only then).
  if (raw.options.links?.length || raw.options.endpoints?.some((e) => e.links?.length)) {
    const links = await import("./links.js");
    try {
      rec0 = links.applyLinked(raw, opts.linked ?? (await links.resolveLinks(ctx, raw)));
    } catch (e) {
      const error =
        e instanceof WharfError ? e : new WharfError("runtime", (e as Error).message, { cause: e });
      await updateRecord(ctx, id, (r) => ({ ...r, error: error.message, exitCode: 125 }));
      return { exitCode: error.exitStatus, error };
    }
  }
  if (!opts.fresh) {
    removeFile(pidFile);
    removeFile(runcLog);
    await runcDelete(ctx, id, true);
    trace("monitor: old state cleared");
  }
  // A runc that cannot run is said before anything is made for the container.
  const runc = runcBinary(ctx);
  // The network is made while the bundle is written (bridge networks: network/attach.ts).
  const own = () => startNetwork(ctx, rec0, hostnameOf(rec0));
  const network = opts.network
    ? opts.network.then(async (handed): Promise<NetSetup> => {
        if (handed) return handed;
        // The starter died before it handed anything over: what it made goes, then this makes it.
        await releaseNetwork(ctx, rec0);
        return (await own()) ?? {};
      })
    : own();
  network?.catch(() => undefined);
  let netStart: NetworkStart | undefined;
  let sink: LineSink | undefined;
  try {
    await prepareBundle(ctx, rec0, network);
    // `--log-driver syslog`: the server reached before the start, as Docker's driver dials it.
    const lo = rec0.options.logOpts;
    if (lo?.driver === "syslog") {
      const { openSyslog } = await import("./syslog.js");
      sink = await openSyslog(lo.syslog ?? {}, {
        id: rec0.id,
        name: rec0.name,
        imageId: rec0.imageId,
        imageName: rec0.image,
      });
    }
    // Its end, followed from here: a gated network completes while runc starts (network/gate.ts).
    netStart = completeNetwork(ctx, rec0, network ? await network : undefined);
    trace("monitor: bundle written");
  } catch (e) {
    const error = e instanceof WharfError ? e : new WharfError("runtime", (e as Error).message, { cause: e });
    // What the network set-up made (it undoes its own failures) goes once it has finished.
    if (network) {
      await network.then(
        async (s) => {
          const n = completeNetwork(ctx, rec0, s);
          n.close();
          await n.done;
          await n.ready()?.catch(() => undefined);
          await releaseNetwork(ctx, rec0);
        },
        () => undefined,
      );
    }
    await releaseStartFiles(ctx, id);
    await updateRecord(ctx, id, (r) => ({ ...r, error: error.message, exitCode: 125 }));
    return { exitCode: error.exitStatus, error };
  }
  // Recorded while runc starts (both are read-modify-writes under the record's lock, so the
  // `running` update cannot lose it); awaited before the container's end is waited for.
  const marked = netStart.done
    .then(() => {
      const net = netStart?.state();
      return updateRecord(ctx, id, (r) => ({
        ...r,
        monitorPid: process.pid,
        monitorStart: processStartTime(process.pid),
        ...(net ? { net } : {}),
      }));
    })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  const argv = [
    runc,
    ...runcGlobal(ctx, runcLog),
    "run",
    // With a memory limit, runc keeps the container (and its cgroup) after it exits, so that the
    // end can read the cgroup's OOM kills (oom.ts) before `runc delete`; without one, a process is
    // spared (no OOM of its own cgroup to report, and `run`'s end stays one process shorter).
    ...(rec0.options.memory ? ["--keep"] : []),
    "--bundle",
    bundleDir(ctx, id),
    "--pid-file",
    pidFile,
    id,
  ];
  // The lock may have gone cold while the bundle was written (no timer fires during synchronous
  // work): moved again now, ahead of runc's own move (cgroup-lock.ts).
  void warmCgroupLock();
  trace("monitor: spawning runc");
  const size = rec0.options.consoleSize;
  const [cmd = "", ...args] = ttyCommand(size ? { ...io, size } : io, argv);
  const log = openLogWriter(rec0.logPath, rec0.options.logOpts, sink);
  const child = spawn(cmd, args, {
    stdio: [io.stdin === "inherit" ? "inherit" : io.stdin === "null" ? "ignore" : "pipe", "pipe", "pipe"],
    detached: io.ownGroup === true,
  });
  let spawnError: unknown;
  child.once("error", (e) => {
    spawnError = e;
  });
  io.onSpawned?.(child);
  // Listened for at once: runc may end while the monitor record is still being written.
  const ended = childEnded(child);
  // The caller's streams are looked up per chunk, not here: they may be made on first use (the CLI's).
  const tee = (stream: LogStream) => (chunk: Uint8Array) => {
    log.write(stream, chunk);
    const out = io[stream];
    if (!out || isBroken(out)) return;
    onBrokenPipe(out, () => (stream === "stdout" ? child.stdout : child.stderr)?.destroy());
    out.write(chunk);
  };
  const errFilter = stderrFilter(tee("stderr"));
  // Under `script`, runc's own stderr reaches us through the pty, on stdout.
  const outFilter = io.tty === "script" ? stderrFilter(tee("stdout")) : undefined;
  (child.stdout as Readable).on("data", outFilter ? (c: Uint8Array) => outFilter.write(c) : tee("stdout"));
  (child.stderr as Readable).on("data", (c: Uint8Array) => errFilter.write(c));
  const forward = (sig: NodeJS.Signals) => {
    if (child.pid !== undefined && child.exitCode === null) child.kill(sig);
  };
  if (io.forwardSignals) for (const s of FORWARDED) process.on(s, forward);

  let started: Promise<unknown> = Promise.resolve();
  let startedPid = 0;
  // Published ports still being mapped (network/attach.ts): the start is recorded after them, and
  // their failure stops the container.
  let netError: WharfError | undefined;
  const net = netStart;
  const checkPid = async (): Promise<void> => {
    if (startedPid) return;
    const pid = Number.parseInt(readTextOr(pidFile), 10);
    if (!(pid > 0) || startedPid) return;
    startedPid = pid;
    // runc writes the PID file after its moves into the container's cgroups: see cgroup-lock.ts.
    stopWarmingCgroupLock();
    trace("monitor: pid file read");
    // runc (1.1) sizes the pty from our terminal just after the process starts, racing a process
    // that asks for its size at once; a SIGWINCH makes runc copy the size again now that it runs
    // (and twice more shortly after, in case runc had not yet set up its console).
    if (io.tty === "direct") {
      forward("SIGWINCH");
      for (const ms of [50, 250]) setTimeout(() => forward("SIGWINCH"), ms).unref();
    }
    const record = () =>
      updateRecord(ctx, id, (r) => ({
        ...r,
        state: "running",
        pid,
        pidStart: processStartTime(pid),
        exitCode: 0,
        error: "",
        oomKilled: false,
        startedAt: isoTime(),
      })).then((r) => {
        containerEvent(ctx, r, "start");
        io.onStarted?.(r);
      });
    started = net.done.then(() => {
      const ready = net.ready();
      return ready
        ? ready.then(record, async (e: unknown) => {
            netError = e instanceof WharfError ? e : new WharfError("runtime", String(e));
            await runcKill(ctx, id, "KILL").catch(() => undefined);
          })
        : record();
    });
  };
  // `update` gave a container that started without a memory limit one (verbs.ts): its OOM events
  // are followed from now on (oom-watch.ts), its cgroup not being kept for the end to read.
  const marker = oomMarkerOf(pidFile);
  let oomWatch: Promise<OomWatch> | undefined;
  const onMarker = () => {
    if (oomWatch || !startedPid || rec0.options.memory) return;
    oomWatch = import("./oom-watch.js").then((m) => m.watchOom(ctx, id));
    oomWatch.catch(() => undefined);
  };
  const poll = setInterval(() => {
    void checkPid();
    // Without inotify, the marker is looked for here.
    if (!pidWatch && startedPid && !oomWatch && existsSync(marker)) onMarker();
  }, 10);
  // runc writes its PID file by a rename into the directory: seen at once, not at the next poll.
  const pidName = basename(pidFile);
  const markerName = basename(marker);
  const pidWatch = watchFor(dirname(pidFile), (name) => {
    if (name === pidName) void checkPid();
    else if (name === markerName) onMarker();
  });
  trace("monitor: runc spawned");
  const markError = await marked;
  if (markError !== undefined) {
    child.kill("SIGKILL");
    void oomWatch?.then(
      (w) => w.stop(),
      () => undefined,
    );
    await ended;
    clearInterval(poll);
    pidWatch?.close();
    await releaseStartFiles(ctx, id).catch(() => undefined);
    if (io.forwardSignals) for (const s of FORWARDED) process.off(s, forward);
    await log.close();
    throw markError;
  }
  const [code, signal] = await ended;
  stopWarmingCgroupLock();
  trace("monitor: runc ended");
  net.close();
  clearInterval(poll);
  pidWatch?.close();
  if (io.forwardSignals) for (const s of FORWARDED) process.off(s, forward);
  await checkPid();
  // Read: done with. On a tmpfs it is not in the container's directory, which a --rm removal takes.
  // An unlink (removeFile), not rmSync: that loads Node's rimraf module on every run's way.
  removeFile(pidFile);
  await started;
  // A container that never started: its network is done with before it goes.
  await net.done;
  await net.ready()?.catch(() => undefined);
  const logged = startedPid ? undefined : await runcLoggedError(runcLog);
  errFilter.finish(logged !== undefined);
  outFilter?.finish(logged !== undefined);
  await log.close();
  const error =
    net.error() ??
    netError ??
    (logged !== undefined
      ? startError(logged)
      : startedPid
        ? undefined
        : runtimeFailure(argv[0] as string, spawnError, code, signal));
  const exitCode = error ? error.exitStatus : exitStatus(code, signal);
  // Read before runc's state (and the cgroup) go: Docker's `oom` event comes before the `die`.
  // Only a container with a memory limit ran under `--keep` (its cgroup still there to read); one
  // that got its limit from `update` has had its OOM events followed.
  let oomKilled = startedPid > 0 && rec0.options.memory ? wasOomKilled(ctx, id) : false;
  if (oomWatch) {
    oomKilled =
      (await oomWatch.then(
        (w) => w.end(),
        () => false,
      )) || oomKilled;
    removeFile(marker);
  }
  const result: MonitorResult = error
    ? { exitCode, error }
    : { exitCode, ...(oomKilled ? { oomKilled } : {}) };
  if (oomKilled) containerEvent(ctx, rec0, "oom");
  if (startedPid) containerEvent(ctx, rec0, "die", { exitCode: String(exitCode) });
  // A record gone meanwhile (its root removed under it): no later reader will release the network
  // its start made, so the monitor does, with what it knows of it.
  const state = net.state();
  if (state && !(await readRecordRaw(ctx, id))) await releaseNetwork(ctx, { ...rec0, net: state });
  if (opts.removedAfter) return result;
  // Written before the end is recorded: whoever sees the end (`wait`, `rm`) finds its `die` event.
  flushEvents();
  await recordEnd(ctx, id, result, opts.onEnd);
  trace("monitor: exit recorded");
  return result;
}

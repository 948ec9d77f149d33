import { spawn } from "node:child_process";
import { closeSync, existsSync, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { WharfError } from "../errors/index.js";
import { healthConfigOf } from "./health-config.js";
import type { Linked } from "./links.js";
import { runMonitored } from "./monitor.js";
import { ownNetwork, releaseNetwork } from "./network/release.js";
import { getContainer, pollRecord } from "./reconcile.js";
import { recordEnd } from "./record-end.js";
import { removeEnded } from "./remove.js";
import { runcBinary } from "./runc.js";
import type { MonitorIO } from "./runc-process.js";
import { containerDir, updateRecord } from "./store.js";
import { trace } from "./trace.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

/** The arguments the shim gets after its command: what it needs to rebuild the context. */
export interface ShimArgs {
  root: string;
  runc?: string;
  id: string;
  /** The starter makes the container's network and hands it over on fd 3 (network/handoff.ts). */
  network?: boolean;
  /** `--link`: the links of this start, resolved by the starter (links.ts). */
  linked?: Linked;
}

function shimCommand(ctx: RuntimeContext): string[] {
  if (ctx.shim) return ctx.shim;
  // Beside the bundle, the loader that compiles shim.js with a code cache (bin/shim-loader.cjs),
  // with one V8 helper thread as bin/wharf gives the CLI: a `run -d` waits for its shim's start-up.
  const loader = fileURLToPath(new URL("./shim-loader.cjs", import.meta.url));
  if (existsSync(loader)) return [process.execPath, "--v8-pool-size=1", loader];
  return [process.execPath, fileURLToPath(new URL("./shim.js", import.meta.url))];
}

function startFailure(rec: ContainerRecord): WharfError {
  const code =
    rec.exitCode === 127 ? "command-not-found" : rec.exitCode === 126 ? "command-cannot-invoke" : "runtime";
  return new WharfError(code, rec.error || `container ${rec.id.slice(0, 12)} failed to start`);
}

function notRunnable(rec: ContainerRecord): void {
  if (rec.state === "running") {
    throw new WharfError("conflict", `container ${rec.id.slice(0, 12)} is already running`);
  }
}

/**
 * Takes a container for a start. A running one is refused, or with `keepRunning` left as it is
 * (undefined is returned): Docker's API answers a start of a running container "not modified".
 */
async function claim(
  ctx: RuntimeContext,
  ref: string,
  keepRunning = false,
): Promise<ContainerRecord | undefined> {
  const rec = await getContainer(ctx, ref);
  // A container whose keeper is about to restart it is as good as running.
  if (keepRunning && (rec.state === "running" || rec.restarting)) return undefined;
  notRunnable(rec);
  let running = false;
  // `live`: an exited container's record comes back from the pack to its directory (made again),
  // where this start writes its files.
  const claimed = await updateRecord(
    ctx,
    rec.id,
    (r) => {
      running = keepRunning && (r.state === "running" || r.restarting === true);
      if (running) return undefined;
      notRunnable(r);
      // A user's start: the restart policy applies again, counted afresh; the health is new.
      const { manualStop: _m, health: _h, ...rest } = r;
      const fresh = r.error === "" && !r.manualStop && !r.health && r.restartCount === 0;
      return fresh ? undefined : { ...rest, error: "", restartCount: 0 };
    },
    { live: true },
  );
  return running ? undefined : claimed;
}

let linksModule: typeof import("./links.js") | undefined;

/** The links of a claimed start; a failure (a linked container stopped) is recorded as the start's. */
async function linksOfStart(ctx: RuntimeContext, rec: ContainerRecord): Promise<Linked> {
  linksModule ??= await import("./links.js");
  try {
    return await linksModule.resolveLinks(ctx, rec);
  } catch (e) {
    const message = (e as Error).message;
    await updateRecord(ctx, rec.id, (r) => ({ ...r, error: message, exitCode: 125 }));
    throw e;
  }
}

function linkedRecord(rec: ContainerRecord, linked: Linked): ContainerRecord {
  return (linksModule as typeof import("./links.js")).applyLinked(rec, linked);
}

/**
 * Starts a container in the background (`run -d`, `start`): a shim process, in its own session and
 * detached from this one, runs it and records its exit, so the container outlives this command with
 * no daemon. Resolves once the container runs (or has already ended); a start failure is thrown.
 * A container that is running already is left as it is.
 */
export async function startContainer(ctx: RuntimeContext, ref: string): Promise<ContainerRecord> {
  runcBinary(ctx);
  const rec = await claim(ctx, ref, true);
  // Already running: nothing to do, as Docker's start of a running container.
  if (!rec) return getContainer(ctx, ref);
  // `--link`: resolved now, so that the network made here has the links' hosts lines.
  const linked =
    rec.options.links?.length || rec.options.endpoints?.some((e) => e.links?.length)
      ? await linksOfStart(ctx, rec)
      : undefined;
  const [cmd = "", ...pre] = shimCommand(ctx);
  const network = ownNetwork(rec);
  const args: ShimArgs = {
    root: ctx.root,
    id: rec.id,
    ...(ctx.runc ? { runc: ctx.runc } : {}),
    ...(network ? { network } : {}),
    ...(linked ? { linked } : {}),
  };
  // Readable too: a `--rm` container's directory, this file with it, may be gone at the end.
  const out = openSync(join(containerDir(ctx, rec.id), "shim.log"), "a+");
  // What an earlier start wrote there is not this start's.
  const logFrom = fstatSync(out).size;
  const startedAt = rec.startedAt;
  try {
    const child = spawn(cmd, [...pre, JSON.stringify(args)], {
      detached: true,
      stdio: ["ignore", out, out, ...(network ? (["pipe"] as const) : [])],
    });
    child.unref();
    // The network is made here while the shim loads, and handed to it (network/handoff.ts).
    const handed = network
      ? import("./network/handoff.js").then((m) =>
          m.handNetwork(ctx, linked ? linkedRecord(rec, linked) : rec, child.stdio[3] as Writable),
        )
      : undefined;
    const exited = new Promise<number>((res) => child.on("exit", (c) => res(c ?? 1)));
    const after = await Promise.race([
      // A new start time: it ran (an exited container's state alone says nothing of this start).
      pollRecord(ctx, rec.id, (r) => r.error !== "" || r.startedAt !== startedAt, undefined, { watch: true }),
      exited.then(async () => pollRecord(ctx, rec.id, () => true)),
    ]);
    await handed;
    if (!after) return await removedWhileStarting(rec, out, logFrom, exited);
    if (after.error) throw startFailure(after);
    if (after.startedAt === startedAt) {
      // The network made for it (network/handoff.ts) has no keeper to release it.
      if (network) await releaseNetwork(ctx, after);
      throw new WharfError(
        "runtime",
        `the shim of container ${rec.id.slice(0, 12)} ended before it started`,
        {
          hint: `see ${join(containerDir(ctx, rec.id), "shim.log")}`,
        },
      );
    }
    return after;
  } finally {
    closeSync(out);
  }
}

/**
 * The record went away before a poll saw this start: a `--rm` container that ran and was removed
 * (Docker prints its ID as for any other), or one whose start failed, which its shim wrote to
 * shim.log (read through the starter's descriptor: the file itself went with the directory).
 */
async function removedWhileStarting(
  rec: ContainerRecord,
  log: number,
  from: number,
  shimExited: Promise<number>,
): Promise<ContainerRecord> {
  const status = await shimExited;
  const text = readTail(log, from).toString("utf8").trim();
  if (text === "" && rec.options.autoRemove) return rec;
  const message = text || `container ${rec.id.slice(0, 12)} vanished while starting`;
  const code = status === 127 ? "command-not-found" : status === 126 ? "command-cannot-invoke" : "runtime";
  throw new WharfError(code, message);
}

/** What was written to `fd` after offset `from`: its last 64 KiB at most (the shim's last words). */
function readTail(fd: number, from: number): Buffer {
  const size = fstatSync(fd).size;
  const start = Math.max(from, size - 64 * 1024);
  if (size <= start) return Buffer.alloc(0);
  const buf = Buffer.alloc(size - start);
  return buf.subarray(0, readSync(fd, buf, 0, buf.length, start));
}

export interface AttachOptions {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The caller's stdin is a terminal (`process.stdin.isTTY`). */
  stdinIsTty?: boolean;
  onStarted?: (rec: ContainerRecord) => void;
  /**
   * `--sig-proxy=false`: the signals this process gets are neither passed on to the container nor
   * end this process, which goes on following the container (runc is out of the terminal's process
   * group, so a ^C does not reach it either).
   */
  sigProxy?: boolean;
}

const HELD = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;

/** Ignores the signals a foreground run would pass on; returns what stops ignoring them. */
function holdSignals(): () => void {
  const ignore = () => undefined;
  for (const s of HELD) process.on(s, ignore);
  return () => {
    for (const s of HELD) process.off(s, ignore);
  };
}

/** How a foreground container gets its stdio, by its `-i`/`-t` options and the caller's terminal. */
export function foregroundIO(rec: ContainerRecord, o: AttachOptions): MonitorIO {
  const tty = rec.options.tty === true;
  const interactive = rec.options.interactive === true;
  if (tty && interactive && !o.stdinIsTty) {
    throw new WharfError("usage", "the input device is not a TTY", {
      hint: "drop -t, or run from a terminal",
    });
  }
  return {
    stdin: tty ? (o.stdinIsTty ? "inherit" : "hold") : interactive ? "inherit" : "null",
    // Getters: the caller's streams may be made on first use (the CLI's), and a silent run needs none.
    get stdout() {
      return o.stdout;
    },
    get stderr() {
      return o.stderr;
    },
    tty: tty ? (o.stdinIsTty ? "direct" : "script") : "none",
    forwardSignals: o.sigProxy !== false,
    ownGroup: true,
    ...(o.onStarted ? { onStarted: o.onStarted } : {}),
  };
}

/**
 * Runs a container in the foreground (`run` without `-d`, `start -a`): its output streams to the
 * caller and to its log, signals are passed on, and the result is its exit status. A start failure
 * is thrown (exit status 125, 126 or 127 on the error). `--rm` containers are removed at the end.
 */
export async function runForeground(
  ctx: RuntimeContext,
  ref: string | ContainerRecord,
  o: AttachOptions,
): Promise<number> {
  // A record is a container that the caller has just made (`run`): nothing to claim from a start before.
  const fresh = typeof ref === "string" ? undefined : ref;
  const rec = fresh ?? ((await claim(ctx, ref as string)) as ContainerRecord);
  trace("foreground: claimed");
  const removedAfter = rec.options.autoRemove === true;
  const io = foregroundIO(rec, o);
  // Health checks, loaded only for a container that has one.
  const health = healthConfigOf(rec) ? await import("./health.js") : undefined;
  let checks: { stop(): Promise<void> } | undefined;
  if (health) {
    const started = io.onStarted;
    io.onStarted = (r) => {
      checks = health.startHealthChecks(ctx, r);
      started?.(r);
    };
  }
  const held = o.sigProxy === false ? holdSignals() : undefined;
  let result: Awaited<ReturnType<typeof runMonitored>>;
  try {
    result = await runMonitored(ctx, rec.id, io, {
      ...(fresh ? { fresh } : {}),
      removedAfter,
    });
  } finally {
    held?.();
  }
  await checks?.stop();
  if (removedAfter) {
    // Recorded as ended only when it cannot be removed (then `rm` removes it later).
    await removeEnded(ctx, rec.id).catch(() => recordEnd(ctx, rec.id, result).catch(() => undefined));
    trace("foreground: removed");
  }
  if (result.error) throw result.error;
  return result.exitCode;
}

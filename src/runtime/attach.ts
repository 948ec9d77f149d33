/**
 * `attach` (and a foreground `run` of a container kept by its restart policy): the container's
 * output as it comes, from its json-file log, until its run ends; the caller's stdin into its
 * keeper's FIFO (attach-server.ts) when it was made with `-i`. Returns the run's exit code.
 */
import { constants, openSync } from "node:fs";
import { Socket } from "node:net";
import { WharfError } from "../errors/index.js";
import { stdinFifoPath } from "./attach-server.js";
import { containerEvent } from "./events.js";
import { keepsLog, logSize, readLogFile } from "./logs.js";
import { lastExitCode } from "./ops.js";
import { getContainer, pollRecord } from "./reconcile.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

export interface AttachStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Copied to the container's stdin (when it was made with `-i`). */
  stdin?: NodeJS.ReadableStream;
  /** From this byte of the log (default: its end, what comes from now). */
  from?: number;
  /** Ends the attachment early (`--detach-keys`, a signal). */
  signal?: AbortSignal;
}

export async function attachContainer(ctx: RuntimeContext, ref: string, io: AttachStreams): Promise<number> {
  const rec = await getContainer(ctx, ref);
  if (rec.state !== "running") {
    throw new WharfError("conflict", "You cannot attach to a stopped container, start it first", {
      hint: `wharf start -a ${rec.name}`,
    });
  }
  if (rec.paused) {
    throw new WharfError("conflict", "You cannot attach to a paused container, unpause it first", {
      hint: `wharf unpause ${rec.name}`,
    });
  }
  // wharf's attach follows the container's log (there is no daemon holding its output streams).
  if (!keepsLog(rec.options.logOpts)) {
    const how =
      rec.options.logOpts?.driver === "none" ? "--log-driver none" : "--log-opt cache-disabled=true";
    throw new WharfError("invalid-argument", `cannot attach to a container made with ${how}`, {
      hint: "wharf's attach follows the container's log: make it with json-file (the default) or local",
    });
  }
  containerEvent(ctx, rec, "attach");
  const from = io.from ?? (await logSize(rec.logPath));
  let fifo: Socket | undefined;
  if (io.stdin && rec.options.interactive) {
    try {
      // `writable`: a Socket made on a descriptor writes only when told it may.
      const fd = openSync(stdinFifoPath(ctx, rec.id), constants.O_WRONLY | constants.O_NONBLOCK);
      fifo = new Socket({ fd, readable: false, writable: true });
      fifo.on("error", () => undefined);
      io.stdin.pipe(fifo);
    } catch {
      fifo = undefined;
    }
  }
  // This run ends when the record says it is not running, or running again after a restart.
  let end: ContainerRecord | undefined;
  const done = async () => {
    if (io.signal?.aborted) return true;
    const r = await pollRecord(ctx, rec.id, () => true, 0);
    if (r && r.state !== "running" && r.startedAt === rec.startedAt) end = r;
    return r === undefined || r.state !== "running" || r.startedAt !== rec.startedAt;
  };
  try {
    for await (const e of readLogFile(rec.logPath, { from, follow: true, done, pollMs: 50 })) {
      (e.stream === "stderr" ? io.stderr : io.stdout).write(e.log);
    }
  } finally {
    if (fifo) {
      io.stdin?.unpipe(fifo);
      fifo.destroy();
    }
  }
  if (io.signal?.aborted) return 0;
  if (end) return end.exitCode;
  // Removed (`--rm`) or already running again (a restart policy): the exit code of its `die` event.
  return (await lastExitCode(ctx, rec.id)) ?? 0;
}

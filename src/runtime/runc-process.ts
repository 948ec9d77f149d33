/**
 * The runc process that the monitor, exec and build's tasks spawn: its stdio and terminal
 * (`MonitorIO`, `ttyCommand`), its stderr with runc's own failure line held back, its end, its exit
 * status, and the failure of a runc that started nothing.
 */
import type { ChildProcess } from "node:child_process";
import { constants } from "node:os";
import type { Readable } from "node:stream";
import { errnoCode, WharfError } from "../errors/index.js";
import { runtimeUnusable } from "./runc.js";
import type { ContainerRecord } from "./types.js";

export interface MonitorIO {
  /** `inherit`: the caller's stdin (a TTY for `direct`); `null`: /dev/null; `hold`: open, never written. */
  stdin: "inherit" | "null" | "hold";
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** `direct`: runc drives the caller's terminal; `script`: util-linux `script` gives runc one. */
  tty: "none" | "direct" | "script";
  /** Under `script`: the terminal's rows and columns before runc starts (else `script`'s 0 x 0). */
  size?: [number, number];
  /** Pass the caller's signals (^C, SIGTERM, window size changes) on to the container. */
  forwardSignals?: boolean;
  /**
   * runc in a session of its own, out of the caller's process group: a terminal's ^C (sent to the
   * whole foreground group) then reaches wharf alone, which passes it on or not (`forwardSignals`).
   */
  ownGroup?: boolean;
  /** Called once the container's process runs. */
  onStarted?: (rec: ContainerRecord) => void;
  /** Called with runc's process once spawned (`attach` writes to its stdin when it is `hold`). */
  onSpawned?: (child: ChildProcess) => void;
}

const RUNC_FAILED = /^runc (run|exec) failed: /m;

function shellQuote(args: readonly string[]): string {
  return args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
}

export function ttyCommand(io: MonitorIO, argv: string[]): string[] {
  if (io.tty !== "script") return argv;
  // Sized from inside the pty, before runc takes it over (stty on its own stdin, the pty).
  const [rows, cols] = io.size ?? [0, 0];
  const sized = rows > 0 && cols > 0 ? `stty rows ${rows | 0} cols ${cols | 0} 2>/dev/null; exec ` : "";
  return ["script", "-qefc", `${sized}${shellQuote(argv)}`, "/dev/null"];
}

/**
 * Copies a child's stderr to `sink`, holding back runc's own failure line (runc writes it on the
 * stderr that the container shares) until the caller knows whether it was runc's.
 */
export function stderrFilter(sink: (chunk: Uint8Array) => void) {
  let held = "";
  return {
    write(chunk: Uint8Array) {
      if (held) {
        held += Buffer.from(chunk).toString("utf8");
        return;
      }
      const text = Buffer.from(chunk).toString("utf8");
      const m = RUNC_FAILED.exec(text);
      if (!m) return sink(chunk);
      if (m.index > 0) sink(Buffer.from(text.slice(0, m.index)));
      held = text.slice(m.index);
    },
    finish(wasRunc: boolean) {
      if (held && !wasRunc) sink(Buffer.from(held));
      held = "";
    },
  };
}

/** Resolves when the child has exited and its stdout and stderr are drained. */
export function childEnded(child: ChildProcess): Promise<[number | null, NodeJS.Signals | null]> {
  const streams = [child.stdout, child.stderr].filter((s): s is Readable => s !== null);
  const closed = streams.map((s) => new Promise<void>((res) => s.on("close", () => res())));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((res) => {
    child.on("exit", (c, s) => res([c, s]));
    child.on("error", () => res([127, null]));
  });
  return Promise.all([exited, ...closed]).then(([e]) => e);
}

/**
 * The failure of a runc that ended without starting the container and without logging why: it could
 * not be executed, or it is not a working runc. A wharf error (125), not the container's status.
 */
export function runtimeFailure(
  runc: string,
  spawnError: unknown,
  code: number | null,
  signal: NodeJS.Signals | null,
): WharfError | undefined {
  if (spawnError !== undefined) return runtimeUnusable(runc, errnoCode(spawnError) ?? String(spawnError));
  if (code === 0) return undefined;
  const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
  return new WharfError(
    "runtime",
    `the container runtime runc (${runc}) ${how} before the container started`,
    {
      hint: `check that runc works: ${runc} --version`,
    },
  );
}

export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
}

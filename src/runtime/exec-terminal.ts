/**
 * `exec -it` from a terminal, detachable as Docker's. runc, given a TTY and no console socket, makes
 * the process's pty itself and copies it to its own stdio, and needs a terminal of its own as its
 * host console: here the pty of util-linux `script`, in a session of its own, rather than the
 * caller's terminal. This command copies what the caller types (through the CLI's detach-key
 * filter) to `script` and the output back. At the detach keys the ends of `script`'s pipes go to a
 * keeper (`cat`, spawned then, in a session of its own) that holds its input open and drains its
 * output, so that the process runs on with its terminal open (no SIGHUP, no end of file), and this
 * command ends; the keeper ends with `script`.
 *
 * The end: `script` waits 10 ms for more output after its child ends, so its own exit is not
 * waited for. The shell under it prints runc's status after runc's output (`exitMarker`), with a
 * token of this run that the container cannot know, and the command ends at that mark.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { randomHex } from "../digest/index.js";
import { errnoCode, WharfError } from "../errors/index.js";
import { isBroken, onBrokenPipe } from "./broken-pipe.js";

export interface ExecTerminal {
  /** The caller's terminal (its stdin): raw while the process runs on it. */
  tty: NodeJS.ReadStream;
  /** What the caller types, through the detach-key filter. */
  input: NodeJS.ReadableStream;
  /** Aborted when the detach keys were typed. */
  detach: AbortSignal;
  /** The caller's terminal size, rows and columns (undefined: not known). */
  size(): [number, number] | undefined;
}

/** How the process ended for this command: its status, or left running (`detached`). */
export type TerminalEnd = { code: number | null; signal: NodeJS.Signals | null } | { detached: true };

function shellQuote(args: readonly string[]): string {
  return args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
}

/**
 * `script`'s command line: the pty sized as the caller's terminal before runc copies its size, runc,
 * then the mark of its status.
 */
export function terminalCommand(argv: string[], size: [number, number] | undefined, token: string): string[] {
  const [rows, cols] = size ?? [0, 0];
  const sized = rows > 0 && cols > 0 ? `stty rows ${rows | 0} cols ${cols | 0} 2>/dev/null; ` : "";
  const mark = `printf '%s%d;' '${MARK}${token}:' "$?"`;
  return ["script", "-qefc", `${sized}${shellQuote(argv)}; ${mark}`, "/dev/null"];
}

const MARK = "\x1b]wharf-exit;";

/** runc's own failure line, which runc writes on its stderr: here the pty, with the output. */
const RUNC_FAILED = /^(runc exec failed|exec failed): /m;

/**
 * Passes the output to `sink`, holding back from runc's failure line on until `finish` says
 * whether the process failed to start (the line is dropped) or not (it is passed).
 */
export function failureFilter(sink: (chunk: Uint8Array) => void) {
  let held: Buffer[] = [];
  return {
    write(chunk: Uint8Array) {
      if (held.length) return void held.push(Buffer.from(chunk));
      const text = Buffer.from(chunk).toString("latin1");
      const m = RUNC_FAILED.exec(text);
      if (!m) return sink(chunk);
      if (m.index > 0) sink(chunk.subarray(0, m.index));
      held.push(Buffer.from(chunk.subarray(m.index)));
    },
    finish(wasRunc: boolean) {
      if (held.length && !wasRunc) sink(Buffer.concat(held));
      held = [];
    },
  };
}

/**
 * Finds the status mark in `script`'s output: what comes before it passes, a part of it at the end
 * of a chunk is held back until the next one says whether it is the mark.
 */
export function exitMarker(token: string) {
  const mark = Buffer.from(`${MARK}${token}:`);
  let held = Buffer.alloc(0);
  return {
    /** The bytes to pass on, and the status once the mark (and its `;`) has come. */
    scan(chunk: Uint8Array): { pass: Buffer; code?: number } {
      const buf = held.length ? Buffer.concat([held, chunk]) : Buffer.from(chunk);
      held = Buffer.alloc(0);
      const at = buf.indexOf(mark);
      if (at >= 0) {
        const rest = buf.subarray(at + mark.length);
        const end = rest.indexOf(";");
        if (end >= 0)
          return { pass: buf.subarray(0, at), code: Number.parseInt(rest.subarray(0, end).toString(), 10) };
        held = buf.subarray(at);
        return { pass: buf.subarray(0, at) };
      }
      // The longest end of the chunk that begins the mark.
      for (let n = Math.min(mark.length - 1, buf.length); n > 0; n--) {
        if (buf.subarray(buf.length - n).equals(mark.subarray(0, n))) {
          held = buf.subarray(buf.length - n);
          return { pass: buf.subarray(0, buf.length - n) };
        }
      }
      return { pass: buf };
    },
    /** What is still held back (the output ended inside something that began like the mark). */
    rest(): Buffer {
      return held;
    },
  };
}

/**
 * Runs `argv` (a `runc exec`) under `script` on the caller's terminal. `leave` lists the files
 * that the keeper removes once the process ends (runc's process file and log, which a detach
 * leaves in use). runc's own failure line, which comes on the pty, is held back as `exec` holds it
 * back from stderr: `held(wasRunc)` passes or drops it.
 */
export function execOnTerminal(
  argv: string[],
  t: ExecTerminal,
  out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
  leave: string[],
): { ended: Promise<TerminalEnd>; held(wasRunc: boolean): void } {
  const token = randomHex(12);
  const [cmd = "", ...args] = terminalCommand(argv, t.size(), token);
  // A session of its own from the start: the caller's terminal going away (or its session leader
  // ending) must not reach the process once detached. dash, not the caller's $SHELL, runs the line.
  const child = spawn(cmd, args, {
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, SHELL: "/bin/sh" },
  });
  const stdin = child.stdin as Writable;
  const stdout = child.stdout as Readable;
  const stderr = child.stderr as Readable;
  stdin.on("error", () => undefined);
  const filter = failureFilter((c) => isBroken(out.stdout) || out.stdout.write(c));
  onBrokenPipe(out.stdout, () => stdout.destroy());
  const raw = typeof t.tty.setRawMode === "function";
  if (raw) t.tty.setRawMode(true);
  stderr.on("data", (c: Uint8Array) => isBroken(out.stderr) || out.stderr.write(c));
  t.input.pipe(stdin);
  const resize = () => {
    const s = t.size();
    if (s) resizeTerminal(child, s);
  };
  process.on("SIGWINCH", resize);
  // The caller's terminal hung up: the process gets SIGHUP, as when runc had that terminal (runc
  // passes it on): from its own terminal, which closes with `script`. This command then ends by
  // SIGHUP too, as it did (Node, ending normally, would fail to put back a terminal that is gone).
  const hangup = () => {
    try {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    } catch {}
    process.off("SIGHUP", hangup);
    process.kill(process.pid, "SIGHUP");
  };
  process.on("SIGHUP", hangup);
  const restore = () => {
    process.off("SIGWINCH", resize);
    process.off("SIGHUP", hangup);
    t.input.unpipe(stdin);
    if (raw) t.tty.setRawMode(false);
  };
  const ended = new Promise<TerminalEnd>((resolve, reject) => {
    let done = false;
    const finish = (end: TerminalEnd | Error) => {
      if (done) return;
      done = true;
      t.detach.removeEventListener("abort", onDetach);
      restore();
      if (end instanceof Error) {
        for (const s of [stdin, stdout, stderr]) s.destroy();
        return reject(end);
      }
      if ("detached" in end) handOff(child, leave);
      else {
        // The status is known and the output read: `script`'s last 10 ms are not waited for.
        child.unref();
        for (const s of [stdin, stdout, stderr]) s.destroy();
      }
      resolve(end);
    };
    const onDetach = () => finish({ detached: true });
    t.detach.addEventListener("abort", onDetach, { once: true });
    const marker = exitMarker(token);
    let exited: [number | null, NodeJS.Signals | null] | undefined;
    let outputEnded = false;
    const noMark = () => {
      if (exited && outputEnded && !done) {
        const rest = marker.rest();
        if (rest.length) filter.write(rest);
        finish({ code: exited[0], signal: exited[1] });
      }
    };
    // The output as the process's terminal wrote it, once the caller's terminal passes it as is.
    void (raw ? outputAsIs(t.tty) : Promise.resolve()).then(() => {
      stdout.on("data", (c: Uint8Array) => {
        if (done) return;
        const { pass, code } = marker.scan(c);
        if (pass.length) filter.write(pass);
        if (code !== undefined) finish({ code, signal: null });
      });
      stdout.on("close", () => {
        outputEnded = true;
        noMark();
      });
    });
    child.on("error", (e) => {
      const how = errnoCode(e) ?? String(e);
      finish(
        new WharfError("runtime", `exec -it needs util-linux's script, which could not be run (${how})`, {
          hint: "install util-linux (Debian: apt-get install bsdutils, which has script)",
        }),
      );
    });
    // Without the mark (`script` could not run the line, or was killed), `script`'s own end.
    child.on("exit", (code, signal) => {
      exited = [code, signal];
      noMark();
    });
    if (t.detach.aborted) onDetach();
  });
  return { ended, held: (wasRunc) => filter.finish(wasRunc) };
}

/**
 * Node's raw mode (libuv's) leaves the terminal's output processing on, so that each `\r\n` of the
 * process's pty would reach the screen as `\r\r\n` and a lone `\n` (a full-screen program's cursor
 * down) as `\r\n`; `stty -opost` turns it off, as runc's and Docker's raw mode do. Node's
 * `setRawMode(false)` puts back the modes it saved, output processing with them.
 */
function outputAsIs(tty: NodeJS.ReadStream): Promise<void> {
  const fd = (tty as { fd?: number }).fd ?? 0;
  return new Promise((resolve) => {
    const stty = spawn("stty", ["-opost"], { stdio: [fd, "ignore", "ignore"] });
    stty.on("error", () => resolve());
    stty.on("exit", () => resolve());
  });
}

/**
 * The detach: a keeper gets this command's ends of `script`'s pipes (stdin: its output, drained;
 * fd 3: its input, held open and never written; fd 4: its stderr) and outlives this command, in a
 * session of its own; once `script` ends (the process did) its output ends, and the keeper removes
 * `leave` and exits. This command then lets go of `script` and the pipes.
 */
function handOff(child: ChildProcess, leave: string[]): void {
  const stdout = child.stdout as Readable;
  stdout.pause();
  stdout.removeAllListeners("data");
  const keeper = spawn("sh", ["-c", 'cat >/dev/null; rm -f -- "$@"', "sh", ...leave], {
    detached: true,
    stdio: [stdout, "ignore", "ignore", child.stdin as Writable, child.stderr as Readable],
  });
  keeper.on("error", () => undefined);
  keeper.unref();
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) s?.destroy();
}

/**
 * The process's terminal at the caller's size: runc's host console is the pty `script` made, the
 * stdin of `script`'s child (the shell that runs runc); sizing it sends runc SIGWINCH, and runc
 * sizes the process's pty from it, which signals the process. Best effort: a process that has
 * just ended has no terminal to size.
 */
function resizeTerminal(child: ChildProcess, [rows, cols]: [number, number]): void {
  const pid = child.pid;
  if (pid === undefined || !(rows > 0 && cols > 0)) return;
  let shell: string | undefined;
  try {
    shell = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)[0];
  } catch {
    return;
  }
  if (!shell) return;
  const args = ["-F", `/proc/${shell}/fd/0`, "rows", String(rows | 0), "cols", String(cols | 0)];
  execFile("stty", args, () => undefined);
}

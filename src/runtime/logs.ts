import {
  closeSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { open, stat } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { setTimeout as sleep } from "node:timers/promises";
import { errnoCode } from "../errors/index.js";
import type { LogOptions } from "./extras-types.js";
import { isoTime } from "./iso-time.js";
import { cacheDisabled } from "./syslog-opts.js";

export type LogStream = "stdout" | "stderr";

export interface LogEntry {
  log: string;
  stream: LogStream;
  time: string;
}

const anchorNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/** Now as Go's RFC3339Nano (nanoseconds, trailing zeros trimmed), as Docker's json-file writes it. */
export function nowRfc3339Nano(): string {
  const ns = anchorNs + process.hrtime.bigint();
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return `${isoTime(ms).slice(0, 19)}${frac ? `.${frac}` : ""}Z`;
}

/**
 * Docker's json-file log: one `{"log","stream","time"}` object a line, a line per output line
 * (the newline kept in `log`); a line still open when the stream ends is written without one.
 */
export interface LogWriter {
  write(stream: LogStream, chunk: Uint8Array): void;
  /** Resolves once a logging driver's sink has sent what it was given (json-file: at once). */
  close(): void | Promise<void>;
}

/**
 * Docker's json-file rotation (`--log-opt max-size`, `max-file`): once the live file has reached
 * `maxSize`, it becomes `<path>.1` (`.1` becomes `.2`, ..., the oldest beyond `maxFile - 1` goes);
 * with `maxFile` 1 it is emptied instead. Returns the new descriptor.
 */
function rotate(path: string, fd: number, maxFile: number): number {
  if (maxFile <= 1) {
    ftruncateSync(fd, 0);
    return fd;
  }
  closeSync(fd);
  rmSync(`${path}.${maxFile - 1}`, { force: true });
  for (let i = maxFile - 2; i >= 1; i--) {
    if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
  }
  renameSync(path, `${path}.1`);
  return openSync(path, "a", 0o640);
}

/** The rotated files of a json-file log that exist, oldest first (`<path>.N` … `<path>.1`). */
export function rotatedLogs(path: string): string[] {
  const out: string[] = [];
  for (let i = 1; existsSync(`${path}.${i}`); i++) out.unshift(`${path}.${i}`);
  return out;
}

/** Whether a container's output is kept in its json-file log (for `logs` and `attach`). */
export function keepsLog(opts: LogOptions | undefined): boolean {
  if (opts?.driver === "none") return false;
  return !(opts?.driver === "syslog" && cacheDisabled(opts.syslog));
}

/**
 * The log's writer. `sink` also gets every line (a logging driver that sends them elsewhere:
 * `syslog.ts`); `close` then resolves once the sink has sent them.
 */
export function openLogWriter(
  path: string,
  opts: LogOptions = {},
  sink?: { line(stream: LogStream, text: string): void; close(): Promise<void> },
): LogWriter {
  // `--log-driver none`: the output goes only where the caller sends it.
  if (!keepsLog(opts) && !sink) return { write: () => {}, close: () => {} };
  const keep = keepsLog(opts);
  let fd = keep ? openSync(path, "a", 0o640) : -1;
  // The local driver's defaults (and the dual-logging cache's): 20 MB files, 5 of them.
  const local = opts.driver === "local" || opts.driver === "syslog";
  const maxSize = opts.maxSize ?? (local ? 20 * 1024 ** 2 : 0);
  const maxFile = opts.maxFile ?? (local ? 5 : 1);
  let size = maxSize > 0 && keep ? fstatSync(fd).size : 0;
  const pending: Record<LogStream, string> = { stdout: "", stderr: "" };
  const decoders: Record<LogStream, StringDecoder> = {
    stdout: new StringDecoder("utf8"),
    stderr: new StringDecoder("utf8"),
  };
  const emit = (stream: LogStream, log: string) => {
    sink?.line(stream, log);
    if (!keep) return;
    const line = `${JSON.stringify({ log, stream, time: nowRfc3339Nano() })}\n`;
    if (maxSize > 0) {
      if (size >= maxSize) {
        fd = rotate(path, fd, maxFile);
        size = 0;
      }
      size += Buffer.byteLength(line);
    }
    writeSync(fd, line);
  };
  // Docker splits a line that grows past 16 KiB so that one line cannot hold the log hostage.
  const MAX_LINE = 16 * 1024;
  return {
    write(stream, chunk) {
      let text = pending[stream] + decoders[stream].write(Buffer.from(chunk));
      for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n")) {
        emit(stream, text.slice(0, nl + 1));
        text = text.slice(nl + 1);
      }
      while (text.length >= MAX_LINE) {
        emit(stream, text.slice(0, MAX_LINE));
        text = text.slice(MAX_LINE);
      }
      pending[stream] = text;
    },
    close() {
      for (const s of ["stdout", "stderr"] as const) {
        const rest = pending[s] + decoders[s].end();
        if (rest) emit(s, rest);
        pending[s] = "";
      }
      if (keep) closeSync(fd);
      return sink?.close();
    },
  };
}

export interface ReadLogsOptions {
  /** Only the last N lines (all when undefined). */
  tail?: number;
  /** Keep reading as the log grows, until `done()` says the writer has finished. */
  follow?: boolean;
  done?: () => Promise<boolean>;
  pollMs?: number;
  /** Start at this byte of the live file (`attach`: only what comes), rotated files left out. */
  from?: number;
}

function parseLines(text: string): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LogEntry);
    } catch {
      // a torn last line while the writer is mid-write; the follow loop re-reads it whole
    }
  }
  return out;
}

const CHUNK = 1 << 20;

/** Up to 1 MiB of whole lines from `offset` (a json-file line is far shorter than that). */
async function readChunk(path: string, offset: number): Promise<{ text: string; next: number }> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, "r");
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return { text: "", next: offset };
    throw e;
  }
  try {
    const buf = Buffer.alloc(CHUNK);
    const { bytesRead } = await fh.read(buf, 0, CHUNK, offset);
    const complete = buf.subarray(0, bytesRead).lastIndexOf(10) + 1;
    return { text: buf.subarray(0, complete).toString("utf8"), next: offset + complete };
  } finally {
    await fh.close();
  }
}

/** Reads a json-file log: the whole file (or its last `tail` lines), then, with `follow`, what comes. */
export async function* readLogFile(path: string, opts: ReadLogsOptions = {}): AsyncIterable<LogEntry> {
  let next = opts.from ?? 0;
  const kept: LogEntry[] = [];
  const keep = function* (entries: LogEntry[]) {
    for (const e of entries) {
      if (opts.tail === undefined) yield e;
      else if (opts.tail > 0) {
        kept.push(e);
        if (kept.length > opts.tail) kept.shift();
      }
    }
  };
  // Rotated files first (`--log-opt max-file`), oldest first.
  for (const old of opts.from === undefined ? rotatedLogs(path) : []) {
    for (let at = 0, r = await readChunk(old, 0); r.text; at = r.next, r = await readChunk(old, at)) {
      yield* keep(parseLines(r.text));
    }
  }
  for (;;) {
    const r = await readChunk(path, next);
    if (!r.text) break;
    next = r.next;
    yield* keep(parseLines(r.text));
  }
  yield* kept;
  if (!opts.follow) return;
  for (;;) {
    const finished = opts.done ? await opts.done() : false;
    let got = false;
    // Rotated meanwhile: the new live file is read from its start.
    if ((await logSize(path)) < next) next = 0;
    for (let r = await readChunk(path, next); r.text; r = await readChunk(path, next)) {
      got = true;
      next = r.next;
      yield* parseLines(r.text);
    }
    if (finished) return;
    if (!got) await sleep(opts.pollMs ?? 100);
  }
}

export async function logSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

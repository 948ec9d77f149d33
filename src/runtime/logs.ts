import { closeSync, openSync, writeSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { setTimeout as sleep } from "node:timers/promises";
import { errnoCode } from "../errors/index.js";

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
  return `${new Date(ms).toISOString().slice(0, 19)}${frac ? `.${frac}` : ""}Z`;
}

/**
 * Docker's json-file log: one `{"log","stream","time"}` object a line, a line per output line
 * (the newline kept in `log`); a line still open when the stream ends is written without one.
 */
export interface LogWriter {
  write(stream: LogStream, chunk: Uint8Array): void;
  close(): void;
}

export function openLogWriter(path: string): LogWriter {
  const fd = openSync(path, "a", 0o640);
  const pending: Record<LogStream, string> = { stdout: "", stderr: "" };
  const decoders: Record<LogStream, StringDecoder> = {
    stdout: new StringDecoder("utf8"),
    stderr: new StringDecoder("utf8"),
  };
  const emit = (stream: LogStream, log: string) => {
    writeSync(fd, `${JSON.stringify({ log, stream, time: nowRfc3339Nano() })}\n`);
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
      closeSync(fd);
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
  let next = 0;
  const kept: LogEntry[] = [];
  for (;;) {
    const r = await readChunk(path, next);
    if (!r.text) break;
    next = r.next;
    for (const e of parseLines(r.text)) {
      if (opts.tail === undefined) yield e;
      else if (opts.tail > 0) {
        kept.push(e);
        if (kept.length > opts.tail) kept.shift();
      }
    }
  }
  yield* kept;
  if (!opts.follow) return;
  for (;;) {
    const finished = opts.done ? await opts.done() : false;
    let got = false;
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

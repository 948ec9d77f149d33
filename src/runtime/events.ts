/**
 * wharf's event log (`events`): what its commands and keepers did, one JSON object a line in
 * `<root>/events.log` (Docker's `events.Message` shape). There is no daemon to hold events in
 * memory, so they are appended to a file that every wharf process of a root shares. A process
 * keeps its events in memory and writes them in one append: when it exits, or 50 ms after the
 * first of them (so that a follower sees a long-running container's start), so a `run --rm` costs
 * one write, not one per event. The log is rotated past 2 MiB (`events.log.1` keeps the previous):
 * an event log, unlike a container's, may lose its oldest lines.
 */
import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { errnoCode } from "../errors/index.js";
import type { RuntimeContext } from "./types.js";

export interface EventActor {
  ID: string;
  Attributes: Record<string, string>;
}

/** One event as Docker's API gives it. */
export interface WharfEvent {
  Type: "container" | "volume" | "image" | "network";
  Action: string;
  Actor: EventActor;
  scope: "local";
  time: number;
  timeNano: number;
}

const MAX_LOG = 2 * 1024 * 1024;

export function eventLogPath(ctx: RuntimeContext): string {
  return join(ctx.root, "events.log");
}

/** Now in nanoseconds since the epoch: the wall clock at load, advanced by the monotonic clock. */
const anchorNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
export function nowNs(): bigint {
  return anchorNs + process.hrtime.bigint();
}

const pending = new Map<string, string[]>();
let timer: NodeJS.Timeout | undefined;
let hooked = false;

function flushPath(path: string, lines: string[]): void {
  if (lines.length === 0) return;
  let fd: number;
  try {
    fd = openSync(path, "a", 0o600);
  } catch (e) {
    if (errnoCode(e) !== "ENOENT") throw e;
    mkdirSync(join(path, ".."), { recursive: true });
    fd = openSync(path, "a", 0o600);
  }
  try {
    // The size is looked at on about one append in 16 (a `run --rm` pays one write, not a stat
    // too): the log overshoots MAX_LOG by a few appends at most before it is rotated.
    if (Math.random() < 1 / 16 && fstatSync(fd).size > MAX_LOG) {
      renameSync(path, `${path}.1`);
      closeSync(fd);
      fd = openSync(path, "a", 0o600);
    }
    appendFileSync(fd, lines.join(""));
  } finally {
    closeSync(fd);
  }
}

/** Writes the events this process holds (called at exit, and by the timer). */
export function flushEvents(): void {
  if (timer) clearTimeout(timer);
  timer = undefined;
  for (const [path, lines] of pending) {
    pending.delete(path);
    try {
      flushPath(path, lines);
    } catch {
      // The event log is a record of what happened, never a reason for a command to fail.
    }
  }
}

/** Records an event (written soon, and at the latest when this process exits). */
export function appendEvent(
  ctx: RuntimeContext,
  ev: { Type: WharfEvent["Type"]; Action: string; Actor: EventActor },
  at: bigint = nowNs(),
): void {
  const full: WharfEvent = {
    ...ev,
    scope: "local",
    time: Number(at / 1_000_000_000n),
    timeNano: Number(at),
  };
  const path = eventLogPath(ctx);
  const list = pending.get(path) ?? [];
  list.push(`${JSON.stringify(full)}\n`);
  pending.set(path, list);
  if (!hooked) {
    hooked = true;
    process.on("exit", flushEvents);
  }
  timer ??= setTimeout(flushEvents, 50).unref();
}

function parse(text: string): WharfEvent[] {
  const out: WharfEvent[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as WharfEvent);
    } catch {
      // a line cut short by a crash
    }
  }
  return out;
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return "";
    throw e;
  }
}

export interface ReadEventsOptions {
  /** Nanoseconds since the epoch; events at or after it. */
  since?: number;
  /** Nanoseconds; events before or at it. Without it and with `follow`, new events are awaited. */
  until?: number;
  follow?: boolean;
  /** How long to wait between looks at the log while following (default 100 ms). */
  pollMs?: number;
  /** Stops following. */
  signal?: AbortSignal;
}

/**
 * The events of the log (the rotated one first) in time order, then, with `follow`, new ones as
 * they are appended, until `until` passes or `signal` aborts.
 */
export async function* readEvents(
  ctx: RuntimeContext,
  opts: ReadEventsOptions = {},
): AsyncIterable<WharfEvent> {
  flushEvents();
  const path = eventLogPath(ctx);
  const inRange = (e: WharfEvent) =>
    (opts.since === undefined || e.timeNano >= opts.since) &&
    (opts.until === undefined || e.timeNano <= opts.until);
  const text = readText(path);
  const past = [...parse(readText(`${path}.1`)), ...parse(text)].sort((a, b) => a.timeNano - b.timeNano);
  for (const e of past) if (inRange(e)) yield e;
  if (!opts.follow) return;
  let offset = Buffer.byteLength(text);
  for (;;) {
    if (opts.signal?.aborted) return;
    if (opts.until !== undefined && Date.now() * 1e6 > opts.until) return;
    await sleep(opts.pollMs ?? 100, undefined, { signal: opts.signal }).catch(() => undefined);
    const now = Buffer.from(readText(path));
    // Rotated meanwhile: the new file is read from its start.
    if (now.length < offset) offset = 0;
    const end = now.lastIndexOf(10) + 1;
    if (end <= offset) continue;
    const fresh = parse(now.subarray(offset, end).toString("utf8")).sort((a, b) => a.timeNano - b.timeNano);
    offset = end;
    for (const e of fresh) if (inRange(e)) yield e;
  }
}

/** The attributes Docker gives a container's events: its image, name and labels. */
export function containerAttributes(rec: {
  image: string;
  name: string;
  options: { labels?: Record<string, string> };
}): Record<string, string> {
  return { ...(rec.options.labels ?? {}), image: rec.image, name: rec.name };
}

/** Records a container event with Docker's attributes (`extra`: exitCode, signal, ...). */
export function containerEvent(
  ctx: RuntimeContext,
  rec: { id: string; image: string; name: string; options: { labels?: Record<string, string> } },
  action: string,
  extra: Record<string, string> = {},
): void {
  appendEvent(ctx, {
    Type: "container",
    Action: action,
    Actor: { ID: rec.id, Attributes: { ...containerAttributes(rec), ...extra } },
  });
}

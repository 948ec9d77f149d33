/**
 * Pull and push progress as Docker's CLI shows it: on a terminal one line per layer, rewritten in
 * place (ANSI cursor movement) with a bar while bytes move; otherwise Docker's plain lines
 * (`<id>: Pull complete`), in which byte progress is left out.
 */
import type { ProgressListener } from "../../remote/index.js";
import { goDuration, humanSize } from "./units.js";

export interface Progress {
  current: number;
  total: number;
  /** When the transfer started (ms), for the time-left estimate. */
  start?: number;
}

/** Docker's `JSONProgress.String()`: `[====>     ]  1.049MB/31.36MB 3s` for a terminal `width` wide. */
export function progressBar(p: Progress, width = 200, now: number = Date.now()): string {
  if (p.current <= 0 && p.total <= 0) return "";
  if (p.total <= 0) return humanSize(p.current).padStart(8);
  const percentage = Math.min(50, Math.trunc(Math.trunc((p.current / p.total) * 100) / 2));
  const bar = width > 110 ? `[${"=".repeat(percentage)}>${" ".repeat(Math.max(0, 50 - percentage))}] ` : "";
  const current = humanSize(p.current).padStart(8);
  const numbers = p.current > p.total ? current : `${current}/${humanSize(p.total)}`;
  let left = "";
  if (p.current > 0 && p.start !== undefined && percentage < 50 && width > 50) {
    const perByte = (now - p.start) / p.current;
    left = ` ${goDuration(((p.total - p.current) * perByte) / 1000)}`;
  }
  return bar + numbers + left;
}

export interface ProgressView {
  /** The line of one layer (`id`): its status, and its bytes while they move. */
  status(id: string, status: string, progress?: Progress): void;
  /** A line of its own; it ends the current group of layer lines. */
  line(text: string): void;
}

export interface ProgressViewOptions {
  write: (text: string) => void;
  /** A terminal: lines are rewritten in place and bars drawn. */
  tty: boolean;
  /** Terminal width (the bar is drawn above 110 columns). */
  columns?: number;
  now?: () => number;
  /** Least time between two redraws of one layer's bar (ms); status changes are drawn at once. */
  intervalMs?: number;
}

/** A Docker-style progress display over `write`. */
export function progressView(opts: ProgressViewOptions): ProgressView {
  const now = opts.now ?? Date.now;
  const interval = opts.intervalMs ?? 100;
  const rows = new Map<string, { index: number; status: string; drawn: number }>();
  const lastPlain = new Map<string, string>();
  if (!opts.tty) {
    return {
      status(id, status, progress) {
        if (progress && progressBar(progress) !== "") return;
        if (lastPlain.get(id) === status) return;
        lastPlain.set(id, status);
        opts.write(`${id}: ${status}\n`);
      },
      line(text) {
        lastPlain.clear();
        opts.write(`${text}\n`);
      },
    };
  }
  return {
    status(id, status, progress) {
      const t = now();
      const bar = progress ? progressBar(progress, opts.columns ?? 200, t) : "";
      const text = `${id}: ${status}${bar ? ` ${bar}` : ""}`;
      const row = rows.get(id);
      if (!row) {
        rows.set(id, { index: rows.size, status, drawn: t });
        opts.write(`${text}\n`);
        return;
      }
      if (
        row.status === status &&
        progress &&
        t - row.drawn < interval &&
        progress.current < progress.total
      ) {
        return;
      }
      row.status = status;
      row.drawn = t;
      const up = rows.size - row.index;
      opts.write(`\x1b[${up}A\r\x1b[2K${text}\r\x1b[${up}B`);
    },
    line(text) {
      rows.clear();
      opts.write(`${text}\n`);
    },
  };
}

/** A layer's bytes so far, timed from the first transfer event seen for it. */
function transferClock(now: () => number) {
  const started = new Map<string, number>();
  return (e: { id: string; current: number; total: number }): Progress => {
    const start = started.get(e.id) ?? now();
    started.set(e.id, start);
    return { current: e.current, total: e.total, start };
  };
}

/** Shows a pull's layer events as Docker does (`Pulling fs layer` … `Pull complete`). */
export function pullProgress(view: ProgressView, now: () => number = Date.now): ProgressListener {
  const transfer = transferClock(now);
  return (e) => {
    if (e.type !== "blob" || e.role !== "layer") return;
    switch (e.state) {
      case "waiting":
        return view.status(e.id, "Pulling fs layer");
      case "exists":
        return view.status(e.id, "Already exists");
      case "downloading":
        return view.status(e.id, "Downloading", transfer(e));
      case "verifying":
        return view.status(e.id, "Verifying Checksum");
      case "complete":
        view.status(e.id, "Download complete");
        return view.status(e.id, "Pull complete");
      default:
        return;
    }
  };
}

/** Shows a push's layer events as Docker does (`Preparing` … `Pushed`). */
export function pushProgress(view: ProgressView, now: () => number = Date.now): ProgressListener {
  const transfer = transferClock(now);
  return (e) => {
    if (e.type !== "blob" || e.role !== "layer") return;
    switch (e.state) {
      case "waiting":
        return view.status(e.id, "Preparing");
      case "uploading":
        return view.status(e.id, "Pushing", transfer(e));
      case "pushed":
        return view.status(e.id, "Pushed");
      case "exists":
        return view.status(e.id, "Layer already exists");
      case "mounted":
        return view.status(e.id, `Mounted from ${e.from ?? ""}`);
      default:
        return;
    }
  };
}

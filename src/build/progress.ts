export type ProgressMode = "auto" | "plain" | "tty" | "quiet";

/** One step as BuildKit shows it: `#N name`, its output, then `CACHED`, `DONE 0.3s` or `ERROR`. */
export interface Vertex {
  readonly id: number;
  readonly name: string;
  /** A line of the step's own (`transferring context: 2B done`). */
  status(line: string): void;
  /** Output of a RUN: prefixed with the seconds since the step started. */
  output(chunk: Uint8Array): void;
  cached(): void;
  done(): void;
  error(message: string): void;
  /** Stopped because the build was canceled (^C, or another step failed): BuildKit's `CANCELED`. */
  canceled(): void;
  /** The last lines of output (for the error box). */
  tail(): string[];
}

export interface Progress {
  vertex(name: string): Vertex;
  /** A line outside any step (warnings). */
  note(line: string): void;
  /** Stops redrawing (tty) and flushes. */
  close(): void;
}

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

const secs = (ms: number) => (ms / 1000).toFixed(1);

interface VState {
  id: number;
  name: string;
  started: number;
  ended?: number;
  state: "running" | "cached" | "done" | "error" | "canceled";
  partial: string;
  lines: string[];
}

function baseVertex(id: number, name: string, emit: (v: VState, line: string) => void, onEnd: () => void) {
  const v: VState = { id, name, started: Date.now(), state: "running", partial: "", lines: [] };
  const keep = (line: string) => {
    v.lines.push(line);
    if (v.lines.length > 20) v.lines.shift();
  };
  const end = (state: VState["state"], line: string) => {
    if (v.state !== "running") return;
    if (v.partial !== "") {
      const rest = v.partial;
      v.partial = "";
      keep(rest);
      emit(v, `${((Date.now() - v.started) / 1000).toFixed(3)} ${rest}`);
    }
    v.state = state;
    v.ended = Date.now();
    emit(v, line);
    onEnd();
  };
  const vertex: Vertex = {
    id,
    name,
    status: (line) => emit(v, line),
    output(chunk) {
      const text = v.partial + Buffer.from(chunk).toString("utf8");
      const parts = text.split(/\r?\n/);
      v.partial = parts.pop() ?? "";
      const at = ((Date.now() - v.started) / 1000).toFixed(3);
      for (const line of parts) {
        keep(line);
        emit(v, `${at} ${line}`);
      }
    },
    cached: () => end("cached", "CACHED"),
    done: () => end("done", `DONE ${secs(Date.now() - v.started)}s`),
    error: (message) => end("error", `ERROR: ${message}`),
    canceled: () => end("canceled", "CANCELED"),
    tail: () => [...v.lines, ...(v.partial ? [v.partial] : [])],
  };
  return { v, vertex };
}

/** BuildKit's `--progress plain`: `#N` lines, a blank line between steps, output as it comes. */
function plainProgress(out: Out): Progress {
  let n = 0;
  let last = 0;
  const header = (v: VState) => {
    if (last === v.id) return;
    if (last !== 0) out.write("\n");
    out.write(`#${v.id} ${v.name}\n`);
    last = v.id;
  };
  const emit = (v: VState, line: string) => {
    header(v);
    out.write(`#${v.id} ${line}\n`);
  };
  return {
    vertex(name) {
      const { v, vertex } = baseVertex(++n, name, emit, () => undefined);
      header(v);
      return vertex;
    },
    note: (line) => {
      if (last !== 0) out.write("\n");
      last = 0;
      out.write(`${line}\n`);
    },
    close: () => undefined,
  };
}

/** The terminal view: one line per step, redrawn in place (`[+] Building 1.2s (3/5)`). */
function ttyProgress(out: Out): Progress {
  const started = Date.now();
  const all: VState[] = [];
  const notes: string[] = [];
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const width = () => Math.max(40, (out.columns ?? 80) - 1);
  const draw = (final = false) => {
    const doneCount = all.filter((v) => v.state !== "running").length;
    const lines = [
      `[+] Building ${secs(Date.now() - started)}s (${doneCount}/${all.length})${final ? " FINISHED" : ""}`,
    ];
    for (const v of all) {
      const t = secs((v.ended ?? Date.now()) - v.started);
      const tag =
        v.state === "cached"
          ? "CACHED "
          : v.state === "error"
            ? "ERROR "
            : v.state === "canceled"
              ? "CANCELED "
              : "";
      lines.push(` => ${tag}${v.name}`.slice(0, width() - 6).padEnd(width() - 6) + `${t}s`.padStart(6));
      if (v.state === "running" || v.state === "error")
        for (const l of v.lines.slice(-6)) lines.push(` => => # ${l}`.slice(0, width()));
    }
    let s = drawn > 0 ? `\x1b[${drawn}A` : "";
    for (const l of lines) s += `\x1b[2K${l}\n`;
    out.write(s);
    drawn = lines.length;
  };
  const schedule = () => {
    timer ??= setInterval(() => draw(), 150);
    timer.unref();
  };
  return {
    vertex(name) {
      const { v, vertex } = baseVertex(
        all.length + 1,
        name,
        () => undefined,
        () => draw(),
      );
      all.push(v);
      schedule();
      return vertex;
    },
    note: (line) => notes.push(line),
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (all.length > 0) draw(true);
      for (const n of notes) out.write(`${n}\n`);
      notes.length = 0;
    },
  };
}

function quietProgress(): Progress {
  let n = 0;
  return {
    vertex: (name) =>
      baseVertex(
        ++n,
        name,
        () => undefined,
        () => undefined,
      ).vertex,
    note: () => undefined,
    close: () => undefined,
  };
}

/** The renderer for a mode: `auto` is `tty` on a terminal, else `plain`. */
export function createProgress(mode: ProgressMode, out: Out | undefined): Progress {
  if (!out || mode === "quiet") return quietProgress();
  const tty = mode === "tty" || (mode === "auto" && out.isTTY === true);
  return tty ? ttyProgress(out) : plainProgress(out);
}

/**
 * A step's name with a bake target's name put in, as buildx's progress writer puts it for a bake of
 * several targets: `[internal] load ...` is `[app internal] load ...`, `[base 2/3] RUN ...` is
 * `[app base 2/3] RUN ...`, a name without brackets gets `[app] ` before it.
 */
export function addPrefix(prefix: string, name: string): string {
  return name.startsWith("[") ? `[${prefix} ${name.slice(1)}` : `[${prefix}] ${name}`;
}

/**
 * A view of a renderer that other builds share (bake's targets): its steps named with `prefix`
 * (when given) and numbered with the others', so that plain output stays readable (`#N` is one step
 * whatever the target). Closing the view does nothing: the renderer's owner closes it.
 */
export function sharedProgress(renderer: Progress, prefix?: string): Progress {
  return {
    vertex: (name) => renderer.vertex(prefix === undefined ? name : addPrefix(prefix, name)),
    note: (line) => renderer.note(line),
    close: () => undefined,
  };
}

/**
 * The OOM events of a running container that started without a memory limit and got one from
 * `update`. Such a start ran without `runc run --keep` (monitor.ts), so its cgroup goes with its
 * last process and its `oom_kill` count cannot be read at its end (oom.ts). Its monitor follows
 * `runc events` instead, from the moment `update` says so (the marker beside the PID file,
 * pid-file.ts) to the end: runc reports each OOM of the container's memory cgroup (an eventfd on
 * cgroup v1's `memory.oom_control`, inotify on v2's `memory.events`), as containerd does to
 * Docker's daemon, and ends by itself once the cgroup is gone. Loaded only then: a plain run
 * spawns nothing more.
 */
import { spawn } from "node:child_process";
import { runcBinary, runcGlobal } from "./runc.js";
import type { RuntimeContext } from "./types.js";

export interface OomWatch {
  /** Waits for `runc events` to end (at most `graceMs`, then kills it): whether it reported an OOM. */
  end(graceMs?: number): Promise<boolean>;
  /** Kills it at once. */
  stop(): void;
}

/** True when one line of `runc events`' JSON output is an OOM event. */
export function isOomEvent(line: string): boolean {
  try {
    return (JSON.parse(line) as { type?: unknown }).type === "oom";
  } catch {
    return false;
  }
}

/** Starts following the container `id`'s OOM events. */
export function watchOom(ctx: RuntimeContext, id: string): OomWatch {
  // Stats only once a day: the OOM events are what is wanted.
  const child = spawn(runcBinary(ctx), [...runcGlobal(ctx), "events", "--interval", "24h", id], {
    stdio: ["ignore", "pipe", "ignore"],
    // Apart from a foreground run's process group: a terminal's ^C is not for it.
    detached: true,
  });
  let oom = false;
  let rest = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    if (lines.some(isOomEvent)) oom = true;
  });
  const exited = new Promise<void>((resolve) => {
    child.once("close", () => resolve());
    child.once("error", () => resolve());
  });
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  return {
    async end(graceMs = 1000) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      stop();
      await exited;
      if (isOomEvent(rest)) oom = true;
      return oom;
    },
    stop,
  };
}

import { constants } from "node:os";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export type Interrupted = { interrupted: NodeJS.Signals; status: number };

/**
 * Runs `work` with a signal that SIGINT, SIGTERM or SIGHUP aborts, so that the work stops what it
 * started and cleans up before the command ends (Node's default death on ^C left a build's RUN
 * container running, its overlay mounted and runc's state behind). When the work fails after such
 * a signal, the result says which, with the shell's status for it (128 + its number); a second
 * signal ends the process at once.
 */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T | Interrupted> {
  const ac = new AbortController();
  let got: NodeJS.Signals | undefined;
  const on = (s: NodeJS.Signals) => {
    if (got) process.exit(128 + constants.signals[s]);
    got = s;
    ac.abort();
  };
  for (const s of SIGNALS) process.on(s, on);
  try {
    return await work(ac.signal);
  } catch (e) {
    if (got) return { interrupted: got, status: 128 + constants.signals[got] };
    throw e;
  } finally {
    for (const s of SIGNALS) process.off(s, on);
  }
}

export function isInterrupted(r: unknown): r is Interrupted {
  return typeof r === "object" && r !== null && "interrupted" in r;
}

export { untilAborted as until } from "../../files/index.js";

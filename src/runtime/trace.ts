import { writeSync } from "node:fs";

/**
 * `WHARF_TRACE=1`: prints each phase of a run with the milliseconds since this process started
 * (`performance.now()`) to stderr, to see where a `run` spends its time. Free when unset.
 */
export const trace: (phase: string) => void = process.env.WHARF_TRACE
  ? (phase) => {
      writeSync(2, `[trace] ${performance.now().toFixed(1).padStart(7)} ms ${phase}\n`);
    }
  : () => {};

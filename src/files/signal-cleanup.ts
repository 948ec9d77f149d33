import { rmSync } from "node:fs";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const pending = new Set<string>();

function onSignal(sig: NodeJS.Signals): void {
  for (const p of pending) rmSync(p, { force: true });
  pending.clear();
  uninstall();
  // Alone: the signal is raised again, and its default action ends the process as it would have.
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

function uninstall(): void {
  for (const s of SIGNALS) process.off(s, onSignal);
}

/**
 * Removes `path` (a temp file being written beside a user's output: `save -o`, `export -o`) if
 * the process gets SIGINT, SIGTERM or SIGHUP before the returned function is called; a ^C no longer
 * leaves a `.NAME.wharf-…` file behind. Without other listeners the signal then ends the process as
 * it would have (status 128 + n).
 */
export function removeOnSignal(path: string): () => void {
  if (pending.size === 0) for (const s of SIGNALS) process.on(s, onSignal);
  pending.add(path);
  return () => {
    pending.delete(path);
    if (pending.size === 0) uninstall();
  };
}

/**
 * A reader that went away (`wharf run … | head`): the write fails with EPIPE. A container's output
 * then ends as it would in a shell pipeline: the pipe from the container is closed, so its next
 * write gets SIGPIPE, and nothing more is written to the reader's stream (the log keeps all).
 */
type Out = NodeJS.WritableStream;

const broken = new WeakSet<Out>();
const guarded = new WeakSet<Out>();

/** Whether a write to `out` failed because its reader is gone. */
export function isBroken(out: Out): boolean {
  return broken.has(out);
}

/**
 * Calls `close` once when a write to `out` fails with EPIPE; later errors of `out` are taken (its
 * writes after the failure fail too) rather than ending the process.
 */
export function onBrokenPipe(out: Out, close: () => void): void {
  if (guarded.has(out)) return;
  guarded.add(out);
  out.on("error", (e: NodeJS.ErrnoException) => {
    if (broken.has(out)) return;
    if (e.code !== "EPIPE") throw e;
    broken.add(out);
    close();
  });
}

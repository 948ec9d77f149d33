/** What of a writable stream (Node's or streamx's) waiting for room needs. */
export interface Drainable {
  on(event: string, fn: () => void): unknown;
  off(event: string, fn: () => void): unknown;
}

/**
 * Resolves once `w` can take more ('drain'), or has closed or failed. Waiting for 'drain' alone
 * hangs when the stream is destroyed meanwhile (a reader that stopped: no 'drain' ever comes), and
 * a process whose last promise hangs ends with status 0 and no message.
 */
export function drained(w: Drainable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      for (const ev of ["drain", "close", "error"]) w.off(ev, done);
      resolve();
    };
    for (const ev of ["drain", "close", "error"]) w.on(ev, done);
  });
}

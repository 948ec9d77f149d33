/**
 * A counting semaphore: `acquire()` resolves, in call order, with a release function once fewer than
 * `n` holders remain. A release is idempotent, so a holder may give its slot back early (say, when
 * its last byte is sent) and again in a `finally`.
 */
export function slots(n: number): { acquire(): Promise<() => void> } {
  let free = Math.max(1, n);
  const waiting: (() => void)[] = [];
  const grant = (): (() => void) => {
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const next = waiting.shift();
      if (next) next();
      else free++;
    };
  };
  return {
    acquire() {
      if (free > 0) {
        free--;
        return Promise.resolve(grant());
      }
      return new Promise((resolve) => waiting.push(() => resolve(grant())));
    },
  };
}

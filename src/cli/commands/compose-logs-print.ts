import { type ContainerRecord, type RuntimeContext, readLogs } from "../../runtime/index.js";
import type { Context } from "../context.js";
import { shortName } from "./compose-common.js";

/**
 * Prints the containers' logs with Compose's prefixes (`web-1  | line`, names padded to the
 * longest), stdout lines on stdout and stderr lines on stderr; with `follow`, until every container
 * has stopped (or `signal` aborts: a stream waiting for lines is left at once); `since` (ms since
 * the epoch) leaves out older lines; `width` pads the names as another call's beside it (`up`).
 */
export async function printLogs(
  ctx: Context,
  rt: RuntimeContext,
  containers: readonly ContainerRecord[],
  opts: {
    follow?: boolean;
    tail?: number;
    signal?: AbortSignal;
    noPrefix?: boolean;
    since?: number;
    width?: number;
    /** Called when a container's stream has ended (all its lines printed, or the signal). */
    onEnd?: (c: ContainerRecord) => void;
  } = {},
): Promise<void> {
  const width = opts.width ?? Math.max(0, ...containers.map((c) => shortName(c).length));
  const { signal } = opts;
  const aborted = signal
    ? new Promise<undefined>((r) => {
        if (signal.aborted) r(undefined);
        else signal.addEventListener("abort", () => r(undefined), { once: true });
      })
    : undefined;
  await Promise.all(containers.map((c) => printOne(c).finally(() => opts.onEnd?.(c))));
  async function printOne(c: ContainerRecord): Promise<void> {
    const prefix = opts.noPrefix ? "" : `${shortName(c).padEnd(width)}  | `;
    const entries = await readLogs(rt, c.id, {
      follow: opts.follow === true,
      ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
    });
    const it = entries[Symbol.asyncIterator]();
    for (;;) {
      const pending = it.next();
      // A follow waits for lines of a container that may run on: the signal ends the wait.
      pending.catch(() => undefined);
      const n = aborted ? await Promise.race([pending, aborted]) : await pending;
      if (n === undefined || n.done || signal?.aborted) return;
      const e = n.value;
      // `up`: only what the containers write from now on, as Compose attaches.
      if (opts.since !== undefined && Date.parse(e.time) < opts.since) continue;
      const text = e.log.endsWith("\n") ? e.log.slice(0, -1) : e.log;
      for (const line of text.split("\n")) {
        const out = `${prefix}${line}\n`;
        if (e.stream === "stderr") ctx.stderr.write(out);
        else ctx.stdout.write(out);
      }
    }
  }
}

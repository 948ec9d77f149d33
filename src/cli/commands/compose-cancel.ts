/**
 * ^C (SIGINT or SIGTERM) during a build Compose starts (`compose build`, `up --build`, `up` or
 * `create` or `run` building a missing image, `compose watch`'s first build): as Compose's, the build
 * is canceled at once (its RUN processes killed, nothing tagged), `canceled` is printed and the
 * status is 130. A further signal does not end the process before the build has cleaned up (the
 * RUN processes would be left running); it ends within the cancel's ~2 s.
 */
import type { Context } from "../context.js";
import type { ParsedFlags } from "../flags.js";

/** Thrown out of a build that a signal canceled; the verbs turn it into Compose's `canceled`, 130. */
export class ComposeCanceled extends Error {
  constructor() {
    super("canceled");
    this.name = "ComposeCanceled";
  }
}

/** Compose's status for a command canceled by a signal, whichever it was. */
export const CANCELED_STATUS = 130;

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/** Where the signals come from (the process; an emitter in tests). */
export interface SignalSource {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * Runs `work` with a signal that SIGINT or SIGTERM aborts. After such a signal, `work`'s end
 * (thrown or not) is `ComposeCanceled`; the handlers are removed when it ends.
 */
export async function cancelable<T>(
  work: (signal: AbortSignal) => Promise<T>,
  source: SignalSource = process,
): Promise<T> {
  const ac = new AbortController();
  // Only the first signal counts: the cancel under way cleans up before the command ends.
  const on = () => ac.abort();
  for (const s of SIGNALS) source.on(s, on);
  try {
    const out = await work(ac.signal);
    if (ac.signal.aborted) throw new ComposeCanceled();
    return out;
  } catch (e) {
    if (ac.signal.aborted) throw new ComposeCanceled();
    throw e;
  } finally {
    for (const s of SIGNALS) source.off(s, on);
  }
}

/** `run`'s status, or Compose's `canceled` and 130 when a build it started was canceled. */
export async function orCanceled(ctx: Pick<Context, "err">, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof ComposeCanceled)) throw e;
    ctx.err("canceled");
    return CANCELED_STATUS;
  }
}

/** The verb `command` with a canceled build ending it as Compose's (`orCanceled`). */
export function withCancel<C extends { run(ctx: Context, f: ParsedFlags): Promise<number | undefined> }>(
  command: C,
): C {
  return {
    ...command,
    run: (ctx: Context, f: ParsedFlags) => orCanceled(ctx, async () => (await command.run(ctx, f)) ?? 0),
  };
}

/**
 * The order in which bake's targets are built: all at once, as buildx hands them to BuildKit in one
 * solve, except that a target waits for the targets its `target:` contexts name. The first failure
 * stops the rest (buildx's default, fail-fast): nothing more is started, the running ones are
 * aborted and waited for. Nothing here builds: `run` does.
 */
import { WharfError } from "../errors/index.js";

export interface ScheduleOptions {
  /** How many targets run at once (default: all, as buildx). */
  limit?: number;
  /** Aborts the targets running and starts no other (^C). */
  signal?: AbortSignal;
}

export interface ScheduleResult<T> {
  /** The targets that finished, in the order they did (their results are kept, as buildx keeps them). */
  done: Map<string, T>;
  /** The first target that failed and its error; the others were stopped because of it. */
  failed?: { target: string; error: unknown };
}

/**
 * Runs `run(name, signal)` for every name once the names `deps(name)` gives (those in `names`; the
 * others are not this schedule's) have finished, at most `limit` at once, in the order of `names`
 * when more are ready than may run. On the first failure (or `signal`) every running target's
 * signal is aborted and no other starts; the result says which failed first.
 */
export async function schedule<T>(
  names: readonly string[],
  deps: (name: string) => readonly string[],
  run: (name: string, signal: AbortSignal) => Promise<T>,
  o: ScheduleOptions = {},
): Promise<ScheduleResult<T>> {
  const limit = Math.max(1, o.limit ?? Number.POSITIVE_INFINITY);
  const wanted = new Set(names);
  const needs = new Map(names.map((n) => [n, deps(n).filter((d) => d !== n && wanted.has(d))]));
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  if (o.signal?.aborted) abort.abort();
  o.signal?.addEventListener("abort", onAbort, { once: true });
  const done = new Map<string, T>();
  const waiting = [...names];
  const running = new Map<string, Promise<void>>();
  let failed: ScheduleResult<T>["failed"];
  try {
    for (;;) {
      if (!abort.signal.aborted) {
        for (let i = 0; i < waiting.length && running.size < limit; ) {
          const name = waiting[i] as string;
          if (!(needs.get(name) ?? []).every((d) => done.has(d))) {
            i++;
            continue;
          }
          waiting.splice(i, 1);
          running.set(
            name,
            (async () => {
              try {
                done.set(name, await run(name, abort.signal));
              } catch (error) {
                failed ??= { target: name, error };
                abort.abort();
              } finally {
                running.delete(name);
              }
            })(),
          );
        }
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
  }
  if (!failed && waiting.length > 0) {
    const first = waiting[0] as string;
    failed = {
      target: first,
      error: abort.signal.aborted
        ? new WharfError("build-failed", "failed to solve: Canceled: context canceled", {
            hint: "the bake was interrupted",
          })
        : new WharfError("invalid-argument", `infinite loop detected: ${waiting.join(" -> ")}`, {
            hint: "a target's contexts may not name (through target:) the target itself",
          }),
    };
  }
  return { done, ...(failed ? { failed } : {}) };
}

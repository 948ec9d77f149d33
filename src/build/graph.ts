import {
  type Dockerfile,
  expandInstruction,
  resolveCopySource,
  resolveFromBase,
} from "../dockerfile/index.js";

/**
 * The stages the target needs: its base and every `--from`/`from=` it names, transitively. A stage
 * that a `--build-context` of its name replaces (`named`) needs nothing: its instructions never run.
 */
export function neededStages(
  df: Dockerfile,
  target: number,
  lookup: (n: string) => string | undefined,
  named: (name: string) => boolean = () => false,
): Set<number> {
  const out = new Set<number>();
  const visit = (i: number) => {
    if (out.has(i)) return;
    out.add(i);
    const s = df.stages[i];
    if (!s || (s.name !== undefined && named(s.name))) return;
    const from = expandInstruction(s.from, lookup, { escape: df.escape });
    const base = resolveFromBase(df, from.image, i);
    if (base.kind === "stage") visit(base.index);
    for (const inst of s.instructions) {
      const refs: string[] = [];
      if (inst.kind === "COPY" && inst.from !== undefined) refs.push(inst.from);
      if (inst.kind === "RUN")
        for (const m of inst.mounts) if ("from" in m && m.from !== undefined) refs.push(m.from);
      for (const r of refs) {
        const ref = resolveCopySource(df, r);
        if (ref.kind === "stage" && ref.index < i) visit(ref.index);
      }
    }
  };
  visit(target);
  return out;
}

/** Runs at most `n` of the functions given at once, the others queued in order. */
export function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (fn) => {
    if (active >= n) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

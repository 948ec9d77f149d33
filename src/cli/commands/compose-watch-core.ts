import { type FSWatcher, watch as fsWatch, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Project, ServiceConfig } from "../../compose/index.js";
import { WharfError } from "../../errors/index.js";
import type { Context } from "../context.js";
import type { BuildService, Converge } from "./compose-watch-actions.js";
import {
  boundIn,
  execInService,
  initialSyncFiles,
  rebuildServices,
  restartService,
  serviceContainers,
  syncPaths,
} from "./compose-watch-actions.js";
import { activeRules, Batcher, planBatch } from "./compose-watch-rules.js";
import { runtimeContext } from "./container-common.js";

export const NOT_CONFIGURED =
  "none of the selected services is configured for watch, consider setting a 'develop' section";

/**
 * The services of `names` (all when none) with watch rules, checked as Compose checks them when
 * watching starts: a `rebuild` rule needs a `build:` section.
 */
export function watchedServices(p: Project, names: readonly string[]): ServiceConfig[] {
  const picked = p.services.filter((s) => names.length === 0 || names.includes(s.name));
  for (const s of picked) {
    if (s.develop?.watch?.some((r) => r.action === "rebuild") && !s.build) {
      throw new WharfError(
        "invalid-argument",
        `can't watch service "${s.name}" with action rebuild without a build context`,
        { hint: `give ${s.name} a build: section, or use action sync or restart` },
      );
    }
  }
  const out = picked.filter((s) => (s.develop?.watch?.length ?? 0) > 0);
  if (out.length === 0)
    throw new WharfError("invalid-argument", NOT_CONFIGURED, {
      hint: "add develop: {watch: [{path: ./src, action: sync, target: /app}]} to a service (https://docs.docker.com/compose/how-tos/file-watch/)",
    });
  return out;
}

export interface Watching {
  /**
   * Stops watching and cancels the batch under way (a rebuild's build is stopped, as Compose's ^C
   * cancels it); resolves once that batch has ended. Calling it again gives the same promise.
   */
  close(): Promise<void>;
}

/**
 * The directories to give `fs.watch`: a rule's directory (recursive), a file's parent (so that an
 * editor's save by rename is seen), or a missing path's nearest existing parent (recursive).
 */
export function watchRoots(rules: readonly { path: string }[]): { path: string; recursive: boolean }[] {
  const roots = new Map<string, boolean>();
  const add = (p: string, recursive: boolean) => roots.set(p, recursive || roots.get(p) === true);
  for (const r of rules) {
    let p = r.path;
    let missing = false;
    for (;;) {
      try {
        const dir = statSync(p).isDirectory();
        if (dir) add(p, true);
        else add(dirname(p), missing);
        break;
      } catch {
        missing = true;
        const up = dirname(p);
        if (up === p) break;
        p = up;
      }
    }
  }
  return [...roots].map(([path, recursive]) => ({ path, recursive }));
}

/**
 * Watches the services' rule paths and acts on each batch of changes, one batch at a time, in
 * Compose's order (rebuild, then sync, then restart, then exec); `log` prints Compose's watch lines.
 * A failed action is a warning, and watching goes on.
 */
export async function watchProject(
  ctx: Context,
  p: Project,
  services: readonly ServiceConfig[],
  o: {
    prune: boolean;
    quiet: boolean;
    log: (line: string) => void;
    converge: Converge;
    build?: BuildService;
  },
): Promise<Watching> {
  const rt = runtimeContext(ctx);
  const rules = activeRules(services).filter((r) => {
    const s = services.find((x) => x.name === r.service) as ServiceConfig;
    const sync = r.action === "sync" || r.action === "sync+restart";
    if (sync && boundIn(s, r.path)) {
      ctx.err(
        `WARN[0000] path '${r.path}' also declared by a bind mount volume, this path won't be monitored!`,
      );
      return false;
    }
    return true;
  });
  for (const r of rules) {
    if (!r.initial_sync || (r.action !== "sync" && r.action !== "sync+restart")) continue;
    const s = services.find((x) => x.name === r.service) as ServiceConfig;
    const files = await initialSyncFiles(r, s);
    await syncPaths(rt, await serviceContainers(rt, p, r.service), files);
  }
  const byName = new Map(services.map((s) => [s.name, s]));
  let queue = Promise.resolve();
  let closed = false;
  let closing: Promise<void> | undefined;
  // ^C: the rebuild under way stops (its build canceled, nothing recreated after it).
  const cancel = new AbortController();
  const handle = async (paths: string[]) => {
    const plans = planBatch(rules, paths);
    const rebuild = [...plans].filter(([, pl]) => pl.rebuild).map(([n]) => byName.get(n) as ServiceConfig);
    if (rebuild.length > 0) await rebuildServices(ctx, rt, p, rebuild, { ...o, signal: cancel.signal });
    if (closed) return;
    for (const [name, pl] of plans) {
      if (pl.sync.length === 0) continue;
      o.log(`Syncing service "${name}" after ${pl.sync.length} changes were detected`);
      await syncPaths(rt, await serviceContainers(rt, p, name), pl.sync);
    }
    const restart = [...plans].filter(([, pl]) => pl.restart).map(([n]) => n);
    if (restart.length > 0) {
      for (const name of restart) await restartService(ctx, rt, p, name);
      o.log(`service(s) [${restart.map((n) => JSON.stringify(n)).join(" ")}] restarted`);
    }
    for (const [name, pl] of plans) for (const x of pl.exec) await execInService(ctx, rt, p, name, x);
  };
  const batcher = new Batcher((paths) => {
    queue = queue.then(async () => {
      if (closed) return;
      try {
        await handle(paths);
      } catch (e) {
        if (!closed) ctx.err(`WARN[0000] Error handling changed files: ${(e as Error).message}`);
      }
    });
  });
  const watchers: FSWatcher[] = [];
  for (const root of watchRoots(rules)) {
    const w = fsWatch(root.path, { recursive: root.recursive }, (_event, name) => {
      if (closed) return;
      batcher.add(name ? join(root.path, name.toString()) : root.path);
    });
    w.on("error", (e) => ctx.err(`WARN[0000] Watch disabled with errors: ${e.message}`));
    watchers.push(w);
  }
  o.log("Watch enabled");
  return {
    close() {
      closing ??= (async () => {
        closed = true;
        cancel.abort();
        batcher.close();
        for (const w of watchers) w.close();
        await queue;
      })();
      return closing;
    },
  };
}

/** Resolves on SIGINT or SIGTERM (the handlers removed then). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(sig);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

/**
 * `up --watch`'s logs: the services' containers followed until `signal` aborts, followed again when
 * a restart or a rebuild's recreate ended their streams (only lines written from then on).
 */
export async function followWatched(
  ctx: Context,
  p: Project,
  services: readonly string[],
  signal: AbortSignal,
  since: number,
): Promise<void> {
  const rt = runtimeContext(ctx);
  const { printLogs } = await import("./compose-logs-print.js");
  const { projectContainers } = await import("./compose-common.js");
  let from = since;
  while (!signal.aborted) {
    // None attached (`--no-attach`, `attach: false`): none followed (an empty list is all to it).
    const containers =
      services.length === 0
        ? []
        : (await projectContainers(rt, p.name, { services })).filter((c) => c.state === "running");
    if (containers.length > 0) await printLogs(ctx, rt, containers, { follow: true, signal, since: from });
    from = Date.now();
    if (!signal.aborted) await new Promise((r) => setTimeout(r, 300));
  }
}

import { packEntries } from "../archive/index.js";
import { storeLayer } from "./blob.js";
import { cacheKey } from "./cache.js";
import { copyEntries } from "./copy-layer.js";
import { type BuildEnv, checkAborted, type StageRun } from "./env.js";
import type { DirContext } from "./named-context.js";
import type { Vertex } from "./progress.js";
import { pickSources } from "./select.js";
import { commitStep, onceStep } from "./step.js";
import { hashPicked } from "./trees.js";

const loaded = new WeakMap<BuildEnv, Set<string>>();

/**
 * BuildKit's steps for a directory context, shown once per build: `[context NAME] load
 * .dockerignore`, then `[context NAME] load from client` (returned, for the caller to give the
 * bytes it read and end); undefined once shown.
 */
export function loadNamedDir(env: BuildEnv, nc: DirContext): Vertex | undefined {
  let names = loaded.get(env);
  if (!names) {
    names = new Set();
    loaded.set(env, names);
  }
  if (names.has(nc.name)) return undefined;
  names.add(nc.name);
  const ign = env.progress.vertex(`[context ${nc.name}] load .dockerignore`);
  ign.status(`transferring ${nc.name}: ${nc.filter ? "done" : "2B done"}`);
  ign.done();
  return env.progress.vertex(`[context ${nc.name}] load from client`);
}

/** A step of the build's own that shows nothing (its vertex is the context's load step). */
function quiet(name: string): Vertex {
  return {
    id: 0,
    name,
    status: () => undefined,
    output: () => undefined,
    cached: () => undefined,
    canceled: () => undefined,
    done: () => undefined,
    error: () => undefined,
    tail: () => [],
  };
}

/**
 * `FROM NAME` (or a stage NAME) given by a directory context: the stage starts with the directory's
 * files (its `.dockerignore` applied; owned by root, as BuildKit receives local files) as one
 * layer. The layer is a cache record keyed on the files' content, so an unchanged directory
 * writes nothing and a changed one makes a new layer (and invalidates every step after it).
 */
export async function namedDirBase(run: StageRun, nc: DirContext): Promise<void> {
  const { env } = run;
  const load = loadNamedDir(env, nc);
  const before = nc.stat.bytesRead;
  const picked = await pickSources({ dir: nc.dir, filter: nc.filter }, ["."], {
    dest: "/",
    destIsDir: async () => true,
  });
  const src = await hashPicked(env, picked, nc.stat);
  load?.status(`transferring ${nc.name}: ${nc.stat.bytesRead - before}B done`);
  load?.done();
  const key = cacheKey({ op: "context", src });
  const createdBy = `local source for ${nc.name}`;
  const vertex = quiet(createdBy);
  await onceStep(run, key, createdBy, vertex, () =>
    env.limit(async () => {
      checkAborted(run);
      const entries = await copyEntries(picked, [], {
        now: env.now,
        ...(env.epoch ? { epoch: env.epoch } : {}),
      });
      const layer = await storeLayer(env.images.content, packEntries(entries));
      await commitStep(run, { key, createdBy, layer, vertex });
    }),
  );
}

import type { Digest } from "../digest/index.js";
import type { SourceLocation } from "../dockerfile/index.js";
import { isWharfError, WharfError } from "../errors/index.js";
import { chainIds } from "../rootfs/index.js";
import type { LayerBlob } from "./blob.js";
import { type CacheRecord, cacheKey } from "./cache.js";
import type { StageRun } from "./env.js";
import { type LayerView, openLayerView } from "./layer-view.js";
import { addHistory } from "./meta.js";
import type { Vertex } from "./progress.js";
import { rfc3339 } from "./time.js";

/** The step's result joins the stage: its layer (if any), its history line, its key as the new parent. */
function applyRecord(run: StageRun, rec: CacheRecord): void {
  const s = run.state;
  // The next step's parent is this step's result (its layer and time), not only its inputs: two
  // builds racing on one root each store a record for one key, the last write wins, and the
  // records after it stay those made on the layer (and history time) that won, so a later build
  // takes one build's steps whole and gives that build's image ID.
  s.key = cacheKey({ step: rec.key, diffId: rec.layer?.diffId ?? null, created: rec.created });
  s.records = [...s.records, rec];
  run.env.used.set(rec.key, rec);
  if (rec.layer) {
    s.layers = [...s.layers, rec.layer];
    s.config = {
      ...s.config,
      rootfs: { type: "layers", diff_ids: [...s.config.rootfs.diff_ids, rec.layer.diffId] },
    };
    s.time = rec.created;
  }
  addHistory(s, rec.createdBy, {
    layer: rec.layer !== null,
    created: rec.created,
    now: run.env.now,
    ...(run.env.epoch ? { epoch: run.env.epoch } : {}),
  });
}

/**
 * `--no-cache-filter`: whether the stage's steps run again. BuildKit matches the stage's `AS` name
 * case-insensitively; an unnamed stage, and a name no stage has, match nothing (no error).
 */
export function noCacheFor(filter: readonly string[] | undefined, stage: string | undefined): boolean {
  if (!filter || stage === undefined) return false;
  return filter.some((n) => n.toLowerCase() === stage.toLowerCase());
}

/**
 * Takes the step from the cache when a record of its key is there and its layer blob is still
 * stored (checked through the build's leased store, which also keeps it from a concurrent prune);
 * a record whose blob was collected is a miss, and the step runs again.
 */
export async function cachedStep(
  run: StageRun,
  key: Digest,
  createdBy: string,
  vertex: Vertex,
): Promise<boolean> {
  const { env } = run;
  if (env.opts.noCache || noCacheFor(env.opts.noCacheFilter, run.stage.name)) return false;
  const stored = async (r: CacheRecord) =>
    !r.layer || (await env.images.content.info(r.layer.digest)) !== undefined;
  let rec = await env.cache.get(key);
  if (!rec || !(await stored(rec))) {
    // An imported record (--cache-from) is a hit when its layer is stored or its cache has it:
    // the blob is fetched only when a later step or the image needs it. It is recorded here too.
    const imported = env.imported?.get(key);
    if (!imported) return false;
    if (imported.layer && !env.imported?.canFetch(imported.layer.digest) && !(await stored(imported)))
      return false;
    rec = imported;
    // Kept in this root's cache once its layer is here (now, or when the build fetched it).
    if (await stored(rec)) await env.cache.put(rec);
  }
  applyRecord(run, { ...rec, createdBy });
  env.counters.cached++;
  vertex.cached();
  return true;
}

/**
 * The steps builds of this process are making, by cache directory and key. Builds that run at once
 * (bake's targets) and need one step (a base stage they share) make it once, as BuildKit solves a
 * vertex its builds share once: the others wait for it and take its record from the cache, so that
 * their images are those of the builds run one after another.
 */
const making = new Map<string, Promise<void>>();

/** Resolves when `p` settles or `signal` aborts, whichever is first. */
function settledOrAborted(p: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
  const settled = p.then(
    () => undefined,
    () => undefined,
  );
  if (!signal) return settled;
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
    void settled.then(done);
  });
}

/**
 * The step from the cache (`cachedStep`), else made by `work` (which ends with `commitStep`), once
 * per process: while another build of this process makes the same key on this root, this one waits
 * and takes the record it leaves. A build whose cache is off for the step (`--no-cache`, the
 * stage in `--no-cache-filter`) does not wait (it runs the step anyway).
 */
export async function onceStep(
  run: StageRun,
  key: Digest,
  createdBy: string,
  vertex: Vertex,
  work: () => Promise<void>,
): Promise<void> {
  if (await cachedStep(run, key, createdBy, vertex)) return;
  const { env } = run;
  const id = `${env.cache.dir}\0${key}`;
  const usesCache = !env.opts.noCache && !noCacheFor(env.opts.noCacheFilter, run.stage.name);
  for (let other = making.get(id); other && usesCache; other = making.get(id)) {
    await settledOrAborted(other, env.opts.signal);
    if (env.opts.signal?.aborted) {
      vertex.canceled();
      throw new WharfError("build-failed", "canceled", { hint: "the build was canceled" });
    }
    if (await cachedStep(run, key, createdBy, vertex)) return;
  }
  const mine = work();
  making.set(id, mine);
  try {
    await mine;
  } finally {
    if (making.get(id) === mine) making.delete(id);
  }
}

/** Records a step that ran, then applies it. */
export async function commitStep(
  run: StageRun,
  o: { key: Digest; createdBy: string; layer: LayerBlob | undefined; vertex: Vertex },
): Promise<void> {
  const { env } = run;
  const chain = o.layer
    ? chainIds([...run.state.layers.map((l) => l.diffId), o.layer.diffId]).at(-1)
    : undefined;
  const rec: CacheRecord = {
    v: 1,
    key: o.key,
    createdBy: o.createdBy,
    created: rfc3339(env.epoch ?? new Date()),
    layer: o.layer ?? null,
    ...(chain ? { chain } : {}),
  };
  await env.cache.put(rec);
  applyRecord(run, rec);
  env.counters.done++;
  o.vertex.done();
}

/** What a failed step's error carries (`WharfError.detail`), for the error box. */
export interface StepDetail {
  kind: "step";
  step: string;
  tail: string[];
  /** Where the failing instruction is in the Dockerfile (set by the stage that ran it). */
  location?: SourceLocation;
  /** BuildKit's error box, when the build's renderer was shared (`BuildOptions.renderer`): its owner prints it. */
  box?: string[];
}

/** The step detail of an error, when it is a failed step's. */
export function stepDetail(e: unknown): StepDetail | undefined {
  if (!isWharfError(e, "build-failed")) return undefined;
  const d = e.detail as StepDetail | undefined;
  return d?.kind === "step" ? d : undefined;
}

/** The error box a build with a shared renderer left on its error, for the renderer's owner to print. */
export function errorBoxOf(e: unknown): string[] | undefined {
  return stepDetail(e)?.box;
}

/** A step that failed: shown on its vertex, thrown as `build-failed` with the step's last output. */
export function stepFailed(vertex: Vertex, message: string): WharfError {
  vertex.error(message);
  const detail: StepDetail = { kind: "step", step: vertex.name, tail: vertex.tail() };
  return new WharfError("build-failed", `failed to solve: ${message}`, {
    hint: "see the step's output above; fix the Dockerfile or the context and build again",
    detail,
  });
}

/**
 * The stage's files so far, read without mounting (its layers unpacked first); undefined while
 * the stage has no layers (FROM scratch).
 */
export async function stageView(run: StageRun): Promise<LayerView | undefined> {
  const { env, state } = run;
  const layers = state.layers;
  await env.ensureLayers(layers);
  if (layers.length === 0) return undefined;
  return openLayerView({
    snapshots: env.snapshots,
    store: env.images.content,
    layers,
    diffIds: layers.map((l) => l.diffId),
  });
}

import type { Digest } from "../digest/index.js";
import {
  type ArgScope,
  type Dockerfile,
  expandForDisplay,
  type GlobalArgs,
  type Stage,
} from "../dockerfile/index.js";
import { WharfError } from "../errors/index.js";
import type { Images } from "../images/index.js";
import type { RuntimeContext } from "../runtime/index.js";
import type { BaseImage } from "./base.js";
import type { LayerBlob } from "./blob.js";
import type { BuildCache, CacheRecord } from "./cache.js";
import type { ImportedCache } from "./cache-import.js";
import type { BuildContext } from "./context.js";
import type { NamedContext } from "./named-context.js";
import type { Progress } from "./progress.js";
import type { StatCache } from "./stat-cache.js";
import type { BuildOptions, StageState } from "./types.js";

export interface StageResult {
  state: StageState;
  scope: ArgScope;
}

/** What every step of one build shares. */
export interface BuildEnv {
  opts: BuildOptions;
  df: Dockerfile;
  images: Images;
  /** `<root>/snapshots`. */
  snapshots: string;
  cache: BuildCache;
  stat: StatCache;
  context: BuildContext;
  progress: Progress;
  /** `SOURCE_DATE_EPOCH`. */
  epoch: Date | undefined;
  /** When the build started (times of what it creates, unless the epoch says otherwise). */
  now: Date;
  globals: GlobalArgs;
  buildArgs: ReadonlyMap<string, string>;
  runtime: RuntimeContext;
  /** A directory of this build's own for temporary files (removed at the end). */
  tmp: string;
  /** The result of a stage, built once however many steps ask. */
  stage(index: number): Promise<StageResult>;
  /**
   * An image named by FROM, COPY --from or a mount's from=, resolved (pulled) once per build;
   * `label` names its metadata step (`[context NAME]` for a named context; default `[internal]`).
   */
  image(name: string, platform?: string, label?: string): Promise<BaseImage>;
  /** `--build-context`s by name. */
  named: ReadonlyMap<string, NamedContext>;
  /** Runs `fn` when a slot is free: RUN and COPY work that is not cached is bounded. */
  limit<T>(fn: () => Promise<T>): Promise<T>;
  counters: { done: number; cached: number };
  /** The records of `--cache-from`, and their layers on demand. */
  imported?: ImportedCache;
  /** Every record this build applied, by key (`--cache-to mode=max`). */
  used: Map<Digest, CacheRecord>;
  /**
   * Makes the layers' blobs present in the store: a step taken from an imported cache has its
   * layer fetched only here, when a RUN, COPY, view or the image needs the bytes.
   */
  ensureLayers(layers: readonly LayerBlob[]): Promise<void>;
  warnings: string[];
  /** The `[internal] load build context` step was shown (once per build, as BuildKit's). */
  contextShown?: boolean;
}

/** A stage being built: its state so far and how its steps are numbered. */
export interface StageRun {
  env: BuildEnv;
  stage: Stage;
  state: StageState;
  scope: ArgScope;
  /** `builder ` or `stage-1 ` (only when the Dockerfile has several stages), else empty. */
  label: string;
  index: number;
  total: number;
  /** Whether a CMD was set in this stage (ENTRYPOINT then keeps it). */
  cmdSet: { value: boolean };
  /** Running the base image's ONBUILD triggers (their steps are named `ONBUILD ...`). */
  onbuild?: boolean;
}

/** Refuses to start a step once the build is failing (another stage's step failed). */
export function checkAborted(run: StageRun): void {
  if (run.env.opts.signal?.aborted) {
    throw new WharfError("build-failed", "canceled: another step of the build failed", {
      hint: "see the failing step above",
    });
  }
}

/** BuildKit's step name: `[builder 2/5] RUN make` (the number padded to the total's width). */
export function stepName(run: StageRun, text: string): string {
  run.index++;
  const width = String(run.total).length;
  return `[${run.label}${String(run.index).padStart(width)}/${run.total}] ${run.onbuild ? "ONBUILD " : ""}${text}`;
}

/**
 * The step's name as BuildKit shows it: the instruction (`shown`) with the stage's ENV and ARG
 * values put in; RUN keeps quotes and unset variables as written, and shows a secret mount's
 * `env=` variables as `****` (BuildKit's withSecretEnvMask).
 */
export function shownExpanded(
  run: StageRun,
  original: string,
  o: { run?: boolean; secretEnv?: readonly string[] } = {},
): string {
  const masked = new Set(o.secretEnv ?? []);
  const lookup = (n: string) => (masked.has(n) ? "****" : run.scope.lookup(n));
  return expandForDisplay(shown(original), lookup, { escape: run.env.df.escape, run: o.run === true });
}

/** The instruction as shown: its original text, the keyword upper-cased, continuations joined. */
export function shown(original: string): string {
  const text = original.replace(/\\\n\s*/g, "").replace(/\s*\n\s*/g, " ");
  const i = text.search(/\s/);
  return i < 0 ? text.toUpperCase() : `${text.slice(0, i).toUpperCase()}${text.slice(i)}`;
}

import type { Digest } from "../digest/index.js";
import {
  type ArgInstruction,
  createArgScope,
  expandInstruction,
  parseOnbuildTrigger,
  resolveFromBase,
  type Stage,
  type StageInstruction,
} from "../dockerfile/index.js";
import { WharfError } from "../errors/index.js";
import { hostPlatform, type ImageConfig, parsePlatform } from "../oci/index.js";
import type { BaseImage } from "./base.js";
import { cacheKey } from "./cache.js";
import { copyStep } from "./copy-step.js";
import { type BuildEnv, checkAborted, type StageResult, type StageRun, stepName } from "./env.js";
import { addHistory, applyMeta, DEFAULT_PATH } from "./meta.js";
import { lookupNamedContext, type NamedContext } from "./named-context.js";
import { namedImage } from "./named-image.js";
import { namedDirBase } from "./named-source.js";
import type { Vertex } from "./progress.js";
import { runStep } from "./run-step.js";
import { stepDetail } from "./step.js";
import type { StageState } from "./types.js";
import { workdirStep } from "./workdir-step.js";

const OPS = new Set(["RUN", "COPY", "ADD", "WORKDIR"]);
const ops = (list: readonly StageInstruction[]) => list.filter((i) => OPS.has(i.kind)).length;

/** BuildKit's image for `FROM scratch`: the platform, PATH, WorkingDir `/`, no layers. */
function scratchState(platform: string | undefined): StageState {
  const p = platform ? parsePlatform(platform) : hostPlatform();
  const config: ImageConfig = {
    architecture: p.architecture,
    os: p.os,
    ...(p.variant ? { variant: p.variant } : {}),
    config: { Env: [DEFAULT_PATH], WorkingDir: "/" },
    rootfs: { type: "layers", diff_ids: [] },
    history: [],
  };
  return {
    key: cacheKey({ base: "scratch", platform: platform ?? "" }),
    layers: [],
    config,
    time: undefined,
    records: [],
  };
}

function imageState(img: BaseImage): StageState {
  const diffIds = img.config.rootfs.diff_ids;
  const history = img.config.history ?? [];
  const last = [...history].reverse().find((h) => !h.empty_layer && h.created)?.created;
  return {
    key: cacheKey({ base: img.id }),
    layers: img.layers.map((l, i) => ({
      mediaType: l.mediaType,
      digest: l.digest,
      size: l.size,
      diffId: diffIds[i] as Digest,
    })),
    config: { ...img.config, config: { ...(img.config.config ?? {}) }, history: [...history] },
    time: last ?? img.config.created,
    records: [],
  };
}

function cloneState(s: StageState): StageState {
  return { ...s, layers: [...s.layers], config: { ...s.config, config: { ...(s.config.config ?? {}) } } };
}

function argHistory(run: StageRun, inst: ArgInstruction): string {
  const values = new Map(run.scope.buildArgs());
  const parts = inst.args.map((a) => {
    const v = values.get(a.name);
    const has =
      a.default !== undefined || run.env.buildArgs.has(a.name) || run.env.globals.values.has(a.name);
    return has && v !== undefined ? `${a.name}=${v}` : a.name;
  });
  return `ARG ${parts.join(" ")}`;
}

async function execute(run: StageRun, inst: StageInstruction): Promise<void> {
  const { env } = run;
  checkAborted(run);
  if (inst.kind === "ARG") {
    run.scope.declare(inst);
    addHistory(run.state, argHistory(run, inst), {
      layer: false,
      now: env.now,
      ...(env.epoch ? { epoch: env.epoch } : {}),
    });
    return;
  }
  const x = expandInstruction(inst, run.scope.lookup, { escape: env.df.escape });
  switch (x.kind) {
    case "RUN":
      return runStep(run, x);
    case "COPY":
    case "ADD":
      return copyStep(run, x);
    case "WORKDIR":
      return workdirStep(run, x);
    default:
      applyMeta(run.state, x, {
        now: env.now,
        ...(env.epoch ? { epoch: env.epoch } : {}),
        cmdSet: run.cmdSet,
      });
      if (x.kind === "ENV") for (const p of x.pairs) run.scope.setEnv(p.key, p.value);
  }
}

/** The stage starts from an image: its layers, config and ENV (PATH always set, as BuildKit makes sure). */
function applyImage(run: StageRun, img: BaseImage, vertex: Vertex): void {
  if (img.pulled) vertex.done();
  else vertex.cached();
  run.state = imageState(img);
  const cfg = run.state.config.config ?? {};
  if (run.state.config.os !== "windows" && !(cfg.Env ?? []).some((e) => e.startsWith("PATH="))) {
    run.state.config = { ...run.state.config, config: { ...cfg, Env: [...(cfg.Env ?? []), DEFAULT_PATH] } };
  }
  for (const e of img.config.config?.Env ?? []) {
    const i = e.indexOf("=");
    if (i > 0) run.scope.setEnv(e.slice(0, i), e.slice(i + 1));
  }
}

/**
 * The stage starts from a `--build-context`: an image (its step named `[context NAME] REF`, or
 * `[context NAME] OCI load from client` for a layout, as BuildKit names them, counted as the FROM),
 * `scratch`, or a directory's files (one layer).
 */
async function fromNamed(run: StageRun, nc: NamedContext, platform: string | undefined): Promise<void> {
  if (nc.kind === "image" && nc.ref === "scratch") return;
  run.index++;
  if (nc.kind === "dir") return namedDirBase(run, nc);
  const got = await namedImage(run.env, nc, platform);
  if (got) applyImage(run, got.img, run.env.progress.vertex(got.step));
}

/** The base image's ONBUILD triggers, parsed one by one (run first, in order, then cleared). */
function triggersOf(state: StageState, file: string): StageInstruction[] {
  const list = state.config.config?.OnBuild ?? [];
  if (list.length === 0) return [];
  state.config = { ...state.config, config: { ...(state.config.config ?? {}), OnBuild: null } };
  return list.map((t) => parseOnbuildTrigger(t, { file: `${file} (ONBUILD)` }));
}

/**
 * Builds one stage: its base (an earlier stage, `scratch`, or an image, local or pulled), the
 * base's ONBUILD triggers, then each instruction in order, expanded with the stage's ENV and ARGs.
 */
export async function buildStage(env: BuildEnv, stage: Stage): Promise<StageResult> {
  // BuildKit's step names: the stage's name, or stage-N when the Dockerfile has several stages;
  // the FROM counts as a step only when it names an image (not scratch, not a stage).
  const multi = env.df.stages.length > 1;
  const name = stage.name ? `${stage.name} ` : multi ? `stage-${stage.index} ` : "";
  const label = env.opts.platformLabel && env.opts.platform ? `${env.opts.platform} ${name}` : name;
  const from = expandInstruction(stage.from, env.globals.lookup, { escape: env.df.escape });
  const platform = from.platform ?? env.opts.platform;
  const base = resolveFromBase(env.df, from.image, stage.index);
  const fromImage = base.kind === "image" && from.image.toLowerCase() !== "scratch";
  const opts = { buildArgs: env.buildArgs, escape: env.df.escape };
  const run: StageRun = {
    env,
    stage,
    state: scratchState(platform),
    scope: createArgScope(env.globals, opts),
    label,
    index: 0,
    total: (fromImage ? 1 : 0) + ops(stage.instructions),
    cmdSet: { value: false },
  };
  // A stage that a --build-context of its name replaces is that context: none of its instructions run.
  const override = stage.name !== undefined ? lookupNamedContext(env.named, stage.name) : undefined;
  if (override) {
    run.total = override.kind === "image" && override.ref === "scratch" ? 0 : 1;
    await fromNamed(run, override, platform);
    return { state: run.state, scope: run.scope };
  }
  const named = fromImage ? lookupNamedContext(env.named, from.image) : undefined;
  if (base.kind === "stage") {
    const r = await env.stage(base.index);
    run.state = cloneState(r.state);
    run.scope = r.scope.fork();
  } else if (named) {
    await fromNamed(run, named, platform);
  } else if (fromImage) {
    if (from.image === "")
      throw new WharfError(
        "dockerfile-invalid",
        `${env.df.file}:${stage.from.location.startLine}: base name should not be blank`,
        { hint: "the FROM line expanded to nothing: set the ARG it uses (--build-arg) or give it a default" },
      );
    const img = await env.image(from.image, platform);
    applyImage(run, img, env.progress.vertex(stepName(run, `FROM ${img.display}`)));
  }
  const triggers = triggersOf(run.state, env.df.file);
  run.total += ops(triggers);
  for (const inst of [...triggers, ...stage.instructions]) {
    run.onbuild = triggers.includes(inst);
    try {
      await execute(run, inst);
    } catch (e) {
      const d = stepDetail(e);
      if (d && d.location === undefined) d.location = inst.location;
      throw e;
    }
  }
  return { state: run.state, scope: run.scope };
}

import { copyFile, link, mkdir, readlink, rm, symlink } from "node:fs/promises";
import { join, posix } from "node:path";
import { type Digest, hexOf, randomHex } from "../digest/index.js";
import { resolveCopySource } from "../dockerfile/index.js";
import { WharfError } from "../errors/index.js";
import { containerSnapshotDir, prepareRootfs, removeRootfs } from "../rootfs/index.js";
import type { BaseImage } from "./base.js";
import { cacheKey } from "./cache.js";
import type { BuildEnv, StageRun } from "./env.js";
import { type DirContext, lookupNamedContext } from "./named-context.js";
import { namedImage } from "./named-image.js";
import { type Picked, pickSources } from "./select.js";
import type { StatCache } from "./stat-cache.js";
import type { StateLayer } from "./types.js";

/** A host directory to read files from, and how to give it back. */
export interface Tree {
  dir: string;
  release(): Promise<void>;
}

/** A read-only view of layers on the host: an overlay of them over an empty upper dir (or a copy). */
export async function mountLayers(env: BuildEnv, layers: readonly StateLayer[]): Promise<Tree> {
  if (layers.length === 0) {
    const dir = join(env.tmp, `empty-${randomHex(6)}`);
    await mkdir(dir, { recursive: true });
    return { dir, release: async () => undefined };
  }
  await env.ensureLayers(layers);
  const dir = containerSnapshotDir(env.snapshots, `build-view-${process.pid}-${randomHex(6)}`);
  const p = await prepareRootfs({
    snapshots: env.snapshots,
    store: env.images.content,
    layers,
    diffIds: layers.map((l) => l.diffId),
    dir,
  });
  return { dir: p.rootfs, release: () => removeRootfs(dir) };
}

/** What `from=` (COPY --from, a mount's from) names, resolved. */
export type FromSource =
  | { kind: "stage" | "image"; key: Digest; layers: StateLayer[] }
  | { kind: "dir"; context: DirContext };

/**
 * What `from=` (COPY --from, a mount's from) names: a `--build-context` of that name (which also
 * replaces a stage of that name), a stage's result or an image, resolved.
 */
export async function sourceOf(run: StageRun, from: string): Promise<FromSource> {
  const ref = resolveCopySource(run.env.df, from);
  const name = ref.kind === "stage" ? run.env.df.stages[ref.index]?.name : ref.ref;
  const named = name !== undefined ? lookupNamedContext(run.env.named, name) : undefined;
  if (named?.kind === "dir") return { kind: "dir", context: named };
  if (ref.kind === "stage") {
    if (ref.index >= run.stage.index) {
      throw new WharfError("dockerfile-invalid", `circular dependency detected on stage: ${from}`, {
        hint: "a stage can read only the stages defined above it",
      });
    }
    const r = await run.env.stage(ref.index);
    return { kind: "stage", key: r.state.key, layers: r.state.layers };
  }
  let img: BaseImage;
  if (named) {
    const got = await namedImage(run.env, named, undefined);
    if (!got) return { kind: "image", key: cacheKey({ image: "scratch" }), layers: [] };
    img = got.img;
  } else img = await run.env.image(ref.ref);
  const diffIds = img.config.rootfs.diff_ids;
  const layers = img.layers.map((l, i) => ({
    mediaType: l.mediaType,
    digest: l.digest,
    size: l.size,
    diffId: diffIds[i] as Digest,
  }));
  return { kind: "image", key: cacheKey({ image: img.id }), layers };
}

/**
 * The context as a bind mount sees it: `.dockerignore` applied. Without an ignore file the context
 * itself (read-only); with one, a tree of hard links (copies across filesystems) of what it lets
 * through below `source`, paths kept.
 */
async function contextTree(
  env: BuildEnv,
  source: string,
  dir = env.context.dir,
  filter = env.context.filter,
): Promise<Tree | undefined> {
  if (!dir) return undefined;
  if (!filter) return { dir, release: async () => undefined };
  const farm = join(env.tmp, `context-${randomHex(6)}`);
  await mkdir(farm, { recursive: true });
  const picked = await pickSources({ dir, filter }, [source], { dest: "/", destIsDir: async () => true });
  const top = posix.normalize(`/${source}`).slice(1);
  if (top !== "" && picked.length > 0) await mkdir(join(farm, top), { recursive: true });
  for (const p of picked) {
    const to = join(farm, p.rel);
    if (p.st.kind === "d") await mkdir(to, { recursive: true, mode: Number(p.st.mode & 0o7777n) });
    else if (p.st.kind === "l") await symlink(await readlink(p.abs), to);
    else if (p.st.kind === "f") await link(p.abs, to).catch(() => copyFile(p.abs, to));
  }
  return { dir: farm, release: () => rm(farm, { recursive: true, force: true }) };
}

/** The files of `from` (the context when undefined) as a host directory. */
export async function treeOfSource(
  run: StageRun,
  from: string | undefined,
  source = ".",
): Promise<Tree | undefined> {
  if (from === undefined) return contextTree(run.env, source);
  const src = await sourceOf(run, from);
  if (src.kind === "dir") return contextTree(run.env, source, src.context.dir, src.context.filter);
  return mountLayers(run.env, src.layers);
}

/**
 * The digest of what COPY or a bind mount reads from the context: one line per picked entry (its
 * destination, kind, mode, and content: the file's sha256 from the stat cache, a symlink's target).
 * Only the entries the instruction selects are read; unchanged files are not read again.
 */
export async function hashPicked(
  env: BuildEnv,
  picked: readonly Picked[],
  stat: StatCache = env.stat,
): Promise<Digest> {
  const lines: string[] = new Array(picked.length);
  // Eight files at a time: the reads overlap on the thread pool; lines keep the picked order.
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < picked.length; i = next++) {
      const p = picked[i] as Picked;
      const st = p.st;
      let content = "";
      if (st.kind === "f") content = hexOf(await stat.digest(p.rel, p.abs, st));
      else if (st.kind === "l") content = await readlink(p.abs);
      lines[i] = `${p.dest}\0${st.kind}\0${(st.mode & 0o7777n).toString(8)}\0${content}`;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return cacheKey(lines);
}

/** The key part of a bind mount's source: the context files' content, or the stage's or image's key. */
export async function sourceKey(run: StageRun, from: string | undefined, source: string): Promise<Digest> {
  let dir = run.env.context.dir;
  let filter = run.env.context.filter;
  let stat = run.env.stat;
  if (from !== undefined) {
    const src = await sourceOf(run, from);
    if (src.kind !== "dir") return cacheKey({ from: src.key, source });
    ({ dir, filter, stat } = src.context);
  }
  if (!dir) {
    throw new WharfError("invalid-argument", "a bind mount of the context needs a build context", {
      hint: "give a context directory (or a tar on stdin), or bind from= a stage",
    });
  }
  const picked = await pickSources({ dir, filter }, [source], {
    dest: "/",
    destIsDir: async () => true,
  });
  return hashPicked(run.env, picked, stat);
}

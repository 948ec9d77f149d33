import { mkdir, rm } from "node:fs/promises";
import { join, posix } from "node:path";
import { packEntries } from "../archive/index.js";
import { nodeCrypto, randomHex } from "../digest/index.js";
import {
  type AddInstruction,
  type CopyInstruction,
  createDockerignoreMatcher,
  parseChmod,
  symbolicChmod,
} from "../dockerfile/index.js";
import { isWharfError, WharfError } from "../errors/index.js";
import { archiveKind, type Download, download, extractArchive, isGit, isUrl } from "./add.js";
import { gitSource } from "./add-git.js";
import { storeLayer } from "./blob.js";
import { cacheKey } from "./cache.js";
import { type ChmodFn, copyEntries, type InlineEntry } from "./copy-layer.js";
import { startCopySnapshot } from "./copy-snapshot.js";
import { checkAborted, type StageRun, shownExpanded, stepName } from "./env.js";
import { resolveChown } from "./layer-view.js";
import { loadNamedDir } from "./named-source.js";
import type { Vertex } from "./progress.js";
import { type PathFilter, type Picked, pickSources, type SourceTree } from "./select.js";
import { commitStep, onceStep, stageView, stepFailed } from "./step.js";
import { hashPicked, mountLayers, sourceOf, type Tree } from "./trees.js";

/** The destination in the image: relative to WORKDIR, a trailing `/` kept (it says "a directory"). */
export function resolveDest(dest: string, workdir: string): string {
  const dir = dest === "" || dest === "." || dest.endsWith("/") || dest.endsWith("/.");
  const abs = posix.normalize(dest.startsWith("/") ? dest : posix.join(workdir || "/", dest));
  return dir && !abs.endsWith("/") ? `${abs}/` : abs;
}

function excludeFilter(patterns: readonly string[]): PathFilter | undefined {
  if (patterns.length === 0) return undefined;
  const m = createDockerignoreMatcher(patterns);
  return { excludes: (rel) => m.matches(rel), mayReadmit: (rel) => m.mayContainExceptions(rel) };
}

/** `--chmod`: its part of the key (the octal number, or the symbolic text) and what it does to a mode. */
function chmodOf(spec: string | undefined): { key: number | string; apply: ChmodFn } | undefined {
  if (spec === undefined) return undefined;
  const c = parseChmod(spec);
  if ("octal" in c) return { key: c.octal, apply: () => c.octal };
  return { key: c.symbolic, apply: symbolicChmod(c.symbolic) };
}

const sha = (s: string | Uint8Array) => nodeCrypto().createHash("sha256").update(s).digest("hex");

/**
 * COPY and ADD: the files picked from the context (or a stage or image), inline heredoc files and
 * ADD's downloads become one layer written straight from where they are (no container), with
 * `--chown` names looked up in the image, `--chmod`, `--exclude`, `--parents`, `--link` (a layer
 * that does not depend on the one below: its key leaves the parent out). ADD extracts local tar
 * archives (plain, gzip, bzip2, xz) into the destination.
 */
export async function copyStep(run: StageRun, inst: CopyInstruction | AddInstruction): Promise<void> {
  const { env, state } = run;
  const cfg = state.config.config ?? {};
  const dest = resolveDest(inst.dest, cfg.WorkingDir ?? "/");
  const from = inst.kind === "COPY" ? inst.from : undefined;
  const parents = inst.kind === "COPY" && inst.parents;
  const exclude = excludeFilter(inst.excludes);
  const chmod = chmodOf(inst.chmod);
  for (const s of inst.sources) {
    if (isGit(s) && inst.kind === "COPY")
      throw new WharfError("dockerfile-invalid", "source can't be a git ref for COPY", {
        hint: "use ADD to add a git repository",
      });
    if (isGit(s) && inst.sources.length > 1)
      throw new WharfError("dockerfile-invalid", `ADD of a git repository (${s}) takes no other source`, {
        hint: "add the repository in an ADD of its own",
      });
    if (isUrl(s) && inst.kind === "COPY")
      throw new WharfError("dockerfile-invalid", "source can't be a URL for COPY", {
        hint: "use ADD to download a URL",
      });
  }
  const git = inst.kind === "ADD" ? inst.sources.find(isGit) : undefined;
  const urls = inst.sources.filter((s) => isUrl(s) && !isGit(s));
  const locals = inst.sources.filter((s) => !isUrl(s) && !isGit(s));
  const from0 = from !== undefined ? await sourceOf(run, from) : undefined;
  // COPY --from a directory context reads it as it reads the build context (its own .dockerignore).
  const named = from0?.kind === "dir" ? from0.context : undefined;
  const fromSrc = from0?.kind === "dir" ? undefined : from0;
  let picked: Picked[] = [];
  let srcKey: string | undefined = fromSrc?.key;
  if (git !== undefined && inst.kind === "ADD") {
    ({ picked, key: srcKey } = await gitSource(env, git, dest, inst.keepGitDir === true));
  }
  const tree: SourceTree | undefined = named
    ? { dir: named.dir, filter: named.filter }
    : from === undefined && env.context.dir
      ? { dir: env.context.dir, filter: env.context.filter }
      : undefined;
  const stat = named?.stat ?? env.stat;
  const pickFrom = (t: SourceTree, destIsDir: () => Promise<boolean>) =>
    pickSources(t, locals, { dest, destIsDir, ...(exclude ? { exclude } : {}), parents });
  if ((from === undefined || named) && locals.length > 0) {
    if (!tree)
      throw new WharfError(
        "invalid-argument",
        `${inst.kind} needs a build context (the Dockerfile came alone on stdin)`,
        { hint: "give a context directory, or pipe a tar of the context into wharf build -" },
      );
    // BuildKit reads a context once per build: its step is shown once, with what was read.
    let loading: Vertex | undefined;
    if (named) loading = loadNamedDir(env, named);
    else if (!env.contextShown) loading = env.progress.vertex("[internal] load build context");
    if (!named) env.contextShown = true;
    const before = stat.bytesRead;
    try {
      picked = await pickFrom(tree, async () => false);
      srcKey = await hashPicked(env, picked, stat);
    } catch (e) {
      loading?.done();
      // A missing source fails the step, as BuildKit's "failed to compute cache key".
      const failed = env.progress.vertex(stepName(run, shownExpanded(run, inst.original)));
      if (!isWharfError(e)) throw e;
      throw stepFailed(failed, `failed to compute cache key: ${e.message}`);
    }
    loading?.status(`transferring ${named?.name ?? "context"}: ${stat.bytesRead - before}B done`);
    loading?.done();
  }
  // A URL with --checksum is known by it (downloaded only on a miss); any other is downloaded
  // now, its bytes and time being what the key is made of.
  const checksum = inst.kind === "ADD" ? inst.checksum : undefined;
  const downloads = new Map<string, Download>();
  const urlKeys: string[] = [];
  for (const u of urls) {
    if (checksum) urlKeys.push(`${u}\0${checksum}`);
    else {
      const d = await download(u, env.tmp, undefined, env.opts.signal, env.opts.env);
      downloads.set(u, d);
      urlKeys.push(`${u}\0${d.digest}\0${d.mtime.getTime()}`);
    }
  }
  // Shown once its sources are ready (a --from stage built, the context read), as BuildKit starts it then.
  const vertex = env.progress.vertex(stepName(run, shownExpanded(run, inst.original)));
  const files = inst.files.map((f) => ({ name: f.name, content: f.content }));
  // BuildKit's history line names --parents, --chown and --chmod (since BuildKit 0.13, moby/buildkit#4597).
  const flags = [
    ...(parents ? ["--parents"] : []),
    ...(inst.chown ? [`--chown=${inst.chown}`] : []),
    ...(inst.chmod ? [`--chmod=${inst.chmod}`] : []),
  ];
  const createdBy = `${[inst.kind, ...flags, ...inst.sources, ...files.map((f) => `<<${f.name}`)].join(" ")} ${inst.dest} # buildkit`;
  const key = cacheKey({
    op: inst.kind,
    parent: inst.link ? undefined : state.key,
    dest,
    chown: inst.chown,
    chmod: chmod?.key,
    // COPY --from keeps the source's owners (before that was done, such copies were root's).
    owners: fromSrc && !inst.chown ? "source" : undefined,
    link: inst.link,
    excludes: inst.excludes,
    parents,
    src: srcKey,
    urls: urlKeys,
    files: files.map((f) => [f.name, sha(f.content)]),
  });
  await onceStep(run, key, createdBy, vertex, () =>
    env.limit(async () => {
      checkAborted(run);
      const layers = state.layers;
      const view = await stageView(run);
      const destIsDir = async () => (await view?.stat(dest))?.isDirectory() === true;
      const owner = inst.chown ? await resolveChown(view, inst.chown) : undefined;
      const held: Tree[] = [];
      const scratch = join(env.tmp, `copy-${randomHex(6)}`);
      try {
        if (fromSrc) {
          const t = await mountLayers(env, fromSrc.layers);
          held.push(t);
          picked = await pickFrom({ dir: t.dir }, destIsDir);
        } else if (tree && locals.length > 0 && !dest.endsWith("/")) picked = await pickFrom(tree, destIsDir);
        const inline: InlineEntry[] = [];
        const now = env.now;
        const intoDir = dest.endsWith("/") || inst.sources.length + files.length > 1 || (await destIsDir());
        const at = (name: string) => (intoDir ? posix.join(dest, name) : dest);
        for (const f of files)
          inline.push({ dest: at(f.name), data: Buffer.from(f.content), mode: 0o644, mtime: now });
        for (const u of urls) {
          const d = downloads.get(u) ?? (await download(u, env.tmp, checksum, env.opts.signal, env.opts.env));
          inline.push({
            dest: at(d.name),
            file: { path: d.path, size: d.size },
            mode: 0o600,
            mtime: d.mtime,
          });
        }
        // A repository's archives are its files, as BuildKit copies them.
        if (inst.kind === "ADD" && git === undefined) picked = await unpackArchives(picked, scratch, dest);
        const entries = await copyEntries(picked, inline, {
          ...(owner ? { owner } : {}),
          ...(chmod ? { chmod: chmod.apply } : {}),
          ...(fromSrc ? { preserveOwner: true } : {}),
          ...(env.epoch ? { epoch: env.epoch } : {}),
          now,
          ...(view && !inst.link ? { view } : {}),
        });
        // The layer's snapshot is written from the same entries while the blob is made, so that a
        // RUN after it mounts it at once (not under SOURCE_DATE_EPOCH: layers come from their blobs).
        const snapshot = env.epoch
          ? undefined
          : startCopySnapshot({ snapshots: env.snapshots, parents: layers, entries, view });
        let layer: Awaited<ReturnType<typeof storeLayer>>;
        try {
          layer = await storeLayer(env.images.content, packEntries(entries));
        } catch (e) {
          await snapshot?.finish(undefined);
          throw e;
        }
        await snapshot?.finish(layer);
        await commitStep(run, { key, createdBy, layer, vertex });
      } finally {
        for (const t of held) await t.release().catch(() => undefined);
        await rm(scratch, { recursive: true, force: true });
      }
    }),
  );
}

/** ADD of a local tar archive: its entries, extracted, replace the file in the destination directory. */
async function unpackArchives(picked: Picked[], scratch: string, dest: string): Promise<Picked[]> {
  const out: Picked[] = [];
  for (const p of picked) {
    const kind = p.st.kind === "f" ? await archiveKind(p.abs) : undefined;
    if (!kind) {
      out.push(p);
      continue;
    }
    const dir = join(scratch, `x-${randomHex(6)}`);
    await mkdir(dir, { recursive: true });
    await extractArchive(p.abs, kind, dir);
    // The archive's contents go into the directory it would have been copied to.
    const into = p.dest === posix.normalize(dest) ? p.dest : posix.dirname(p.dest);
    out.push(
      ...(await pickSources({ dir }, ["."], {
        dest: `${into.replace(/\/$/, "")}/`,
        destIsDir: async () => true,
      })),
    );
  }
  return out;
}

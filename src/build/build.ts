import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { type Digest, randomHex } from "../digest/index.js";
import {
  type Dockerfile,
  findStage,
  parseDockerfile,
  platformArgValues,
  resolveGlobalArgs,
  unconsumedBuildArgs,
  unconsumedWarning,
} from "../dockerfile/index.js";
import { WharfError } from "../errors/index.js";
import { openImages, storeDocument } from "../images/index.js";
import { hostPlatform, MediaType, parsePlatform } from "../oci/index.js";
import { formatReference, parseReference, withDefaultTag } from "../reference/index.js";
import { push } from "../remote/index.js";
import { manifestAnnotations } from "./annotations.js";
import { type BaseImage, resolveBase } from "./base.js";
import { errorBox } from "./box.js";
import { openBuildCache } from "./cache.js";
import { exportCaches } from "./cache-export.js";
import { withInlineCache } from "./cache-format.js";
import { type ImportedCache, importCaches } from "./cache-import.js";
import { buildChecks, checkSummary, lintError, resolvedBaseEnvs } from "./checks.js";
import { openContext } from "./context.js";
import type { BuildEnv, StageResult } from "./env.js";
import { limiter, neededStages } from "./graph.js";
import { finalConfig, storeImage } from "./image.js";
import { lookupNamedContext, removeScratch, resolveNamedContexts } from "./named-context.js";
import { exportOutputs } from "./output.js";
import { createProgress } from "./progress.js";
import { buildStage } from "./stage.js";
import { cleanStale } from "./stale.js";
import { openStatCache } from "./stat-cache.js";
import { stepDetail } from "./step.js";
import { sourceDateEpoch } from "./time.js";
import type { BuildOptions, BuildResult } from "./types.js";

const fullName = (tag: string) => formatReference(withDefaultTag(parseReference(tag)));

/**
 * `wharf build`: the context and Dockerfile read, every syntax error reported before anything is
 * built, the stages the target needs built (independent ones at once), each step taken from the
 * build cache when its inputs are unchanged, the image stored and tagged (or exported).
 */
export async function build(o: BuildOptions): Promise<BuildResult> {
  if (o.push && (o.tags ?? []).length === 0) {
    throw new WharfError("usage", "tag is needed when pushing to registry", {
      hint: "name the image with -t REGISTRY/NAME:TAG",
    });
  }
  // --build-context values are read (and refused) before anything else is done.
  const named = await resolveNamedContexts(o.buildContexts ?? {}, {
    root: o.root,
    ...(o.env ? { env: o.env } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const shared = o.renderer !== undefined;
  const progress = o.renderer ?? createProgress(o.progress ?? "auto", o.progressOut);
  const env0 = o.env ?? process.env;
  const now = new Date();
  const buildArgs = new Map(Object.entries(o.buildArgs ?? {}));
  const epoch = sourceDateEpoch(buildArgs.get("SOURCE_DATE_EPOCH") ?? env0.SOURCE_DATE_EPOCH);
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  o.signal?.addEventListener("abort", onAbort, { once: true });
  await cleanStale(o.root);
  const load = progress.vertex("[internal] load build definition from Dockerfile");
  const ctx = await openContext({
    root: o.root,
    context: o.context,
    ...(o.file ? { file: o.file } : {}),
    ...(o.stdin ? { stdin: o.stdin } : {}),
    env: env0,
    signal: abort.signal,
  }).catch(async (e: unknown) => {
    await removeScratch(named);
    throw e;
  });
  let df: Dockerfile | undefined;
  const tmp = join(o.root, "tmp", `build-${process.pid}-${randomHex(6)}`);
  const images = await openImages(o.root).catch(async (e: unknown) => {
    await ctx.close();
    await removeScratch(named);
    throw e;
  });
  const stat = openStatCache(ctx.temporary ? undefined : o.root, ctx.dir ?? "");
  const stages = new Map<number, Promise<StageResult>>();
  let firstError: unknown;
  let imported: ImportedCache | undefined;
  try {
    load.status(`transferring dockerfile: ${Buffer.byteLength(ctx.dockerfile.text)}B done`);
    try {
      df = parseDockerfile(ctx.dockerfile.text, { file: ctx.dockerfile.name });
    } catch (e) {
      load.error((e as Error).message);
      throw e;
    }
    load.done();
    // Build checks: with `error=true` a finding fails the build here, before any step runs.
    const checks = buildChecks(df, buildArgs);
    if (checks.config.error && checks.findings.length > 0) {
      for (const l of checkSummary(checks.findings)) progress.note(l);
      throw lintError(checks.findings, "failed to solve: ");
    }
    if (ctx.dir) {
      const ign = progress.vertex("[internal] load .dockerignore");
      ign.status(ctx.filter ? "transferring context: done" : "transferring context: 2B done");
      ign.done();
    }
    const target = o.target ? findStage(df, o.target) : df.stages[df.stages.length - 1];
    if (!target) {
      throw new WharfError("invalid-argument", `target stage "${o.target}" could not be found`, {
        hint: `the stages are: ${df.stages.map((s) => s.name ?? String(s.index)).join(", ")}`,
      });
    }
    const plat = o.platform ? parsePlatform(o.platform) : hostPlatform();
    const globals = resolveGlobalArgs(df.globalArgs, {
      buildArgs,
      escape: df.escape,
      platform: platformArgValues(plat, hostPlatform()),
    });
    const needed = neededStages(
      df,
      target.index,
      globals.lookup,
      (n) => lookupNamedContext(named, n) !== undefined,
    );
    await mkdir(tmp, { recursive: true });
    // --cache-from: records read now, their layers fetched only when a step needs them.
    if (o.cacheFrom?.length && !o.noCache) {
      imported = await importCaches(o.cacheFrom, {
        transport: o.transport ?? {},
        signal: abort.signal,
        vertex: (n) => progress.vertex(n),
      });
    }
    const lazy = imported;
    const bases = new Map<string, Promise<BaseImage>>();
    const parsed = df;
    const env: BuildEnv = {
      opts: { ...o, signal: abort.signal },
      df: parsed,
      images,
      snapshots: join(o.root, "snapshots"),
      cache: openBuildCache(o.root),
      stat,
      context: ctx,
      progress,
      epoch,
      now,
      globals,
      buildArgs,
      runtime: { root: o.root, ...(o.runc ? { runc: o.runc } : {}) },
      tmp,
      named,
      stage(index) {
        let p = stages.get(index);
        if (!p) {
          const s = parsed.stages[index];
          if (!s) {
            throw new WharfError("dockerfile-invalid", `invalid stage index ${index}`, {
              hint: "name a stage defined above, by its AS name or index",
            });
          }
          p = buildStage(env, s);
          p.catch((e: unknown) => {
            // The first failure is the build's: the steps it cancels in other stages fail after it.
            firstError ??= e;
            abort.abort();
          });
          stages.set(index, p);
        }
        return p;
      },
      image(name, platform, label) {
        const key = `${name}\0${platform ?? ""}`;
        let p = bases.get(key);
        if (!p) {
          const meta = progress.vertex(
            label ? `${label} load metadata for ${name}` : `[internal] load metadata for ${fullName(name)}`,
          );
          p = resolveBase(name, {
            images,
            pull: o.pull === true,
            ...(platform ? { platform } : {}),
            ...(o.transport ? { transport: o.transport } : {}),
            signal: abort.signal,
            onStatus: (l) => meta.status(l),
            ...(o.verify ? { verify: o.verify } : {}),
            ...(o.keepSignatures ? { keepSignatures: o.keepSignatures } : {}),
            ...(o.verifyLocal ? { verifyLocal: o.verifyLocal } : {}),
          }).then(
            (img) => {
              meta.done();
              return img;
            },
            (e: unknown) => {
              meta.error((e as Error).message);
              throw e;
            },
          );
          bases.set(key, p);
        }
        return p;
      },
      limit: limiter(Math.max(1, o.concurrency ?? 2)),
      counters: { done: 0, cached: 0 },
      warnings: [],
      ...(lazy ? { imported: lazy } : {}),
      used: new Map(),
      ensureLayers: async (layers) => lazy?.ensure(images.content, layers, abort.signal),
    };
    // Every stage the target needs starts now: the independent ones build at once.
    for (const i of [...needed].sort((a, b) => a - b)) env.stage(i).catch(() => undefined);
    const result = await env.stage(target.index);
    const scopes = (await Promise.all(stages.values())).map((r) => r.scope.declared());
    const unused = unconsumedBuildArgs(buildArgs.keys(), [...scopes, globals.declared]);
    if (unused.length > 0) env.warnings.push(unconsumedWarning(unused));
    const made = finalConfig(result.state, o.labels, epoch, now);
    // --cache-to type=inline (or BUILDKIT_INLINE_CACHE=1): the final image's records in its config.
    const config = o.cacheTo?.some((c) => c.type === "inline")
      ? withInlineCache(made, result.state.records)
      : made;
    const names = (o.tags ?? []).map(fullName);
    const exporting = progress.vertex(o.outputs?.length ? "exporting to client" : "exporting to image");
    let stored: Awaited<ReturnType<typeof storeImage>> | undefined;
    await env.ensureLayers(result.state.layers);
    if (o.outputs?.length) {
      await exportOutputs(env, o.outputs, config, result.state.layers, names);
      const desc = await storeDocument(
        images.content,
        MediaType.ociConfig,
        Buffer.from(JSON.stringify(config)),
      );
      stored = { id: desc.digest, config, manifest: desc };
    } else {
      exporting.status("exporting layers done");
      stored = await storeImage(
        images,
        config,
        result.state.layers,
        names,
        manifestAnnotations({ opts: o }, config),
      );
      exporting.status(`writing image ${stored.id} done`);
      for (const n of names) exporting.status(`naming to ${n} done`);
      for (const n of o.push ? names : []) {
        exporting.status(`pushing layers for ${n}`);
        const pushed = await push(n, {
          store: images.content,
          images,
          ...(o.transport ? { transport: o.transport } : {}),
        });
        exporting.status(`pushing manifest for ${n}@${pushed.digest} done`);
      }
    }
    exporting.done();
    // Imported steps whose layers the build fetched are now this root's cache too.
    for (const r of env.used.values()) {
      if (!r.layer || !imported?.get(r.key) || (await env.cache.get(r.key))) continue;
      if (await images.content.info(r.layer.digest)) await env.cache.put(r);
    }
    if (o.cacheTo?.length) {
      const warned = await exportCaches(o.cacheTo, {
        final: result.state.records,
        all: [...env.used.values()],
        store: images.content,
        ensure: env.ensureLayers,
        transport: o.transport ?? {},
        vertex: (n) => progress.vertex(n),
      });
      env.warnings.push(...warned);
    }
    if (o.checkSummary !== false) {
      // Run again with the base images' environments now known (UndefinedVar needs them).
      const envs = await resolvedBaseEnvs(parsed, globals.lookup, o.platform, async (n, p) => {
        if (lookupNamedContext(named, n) !== undefined) return undefined;
        const img = await bases.get(`${n}\0${p ?? ""}`)?.catch(() => undefined);
        return img ? (img.config.config?.Env ?? []) : undefined;
      });
      const final = buildChecks(parsed, buildArgs, (s) =>
        s.name !== undefined && lookupNamedContext(named, s.name) !== undefined
          ? undefined
          : envs.get(s.index),
      );
      env.warnings.push(...checkSummary(final.findings));
    }
    for (const w of env.warnings) progress.note(w);
    // What the build read and did, for a provenance attestation (attest-build.ts); never in the image.
    const materials: NonNullable<BuildResult["provenance"]>["materials"] = [];
    for (const [key, p] of bases) {
      const img = await p.catch(() => undefined);
      const at = img?.display.lastIndexOf("@") ?? -1;
      if (!img || at < 0) continue;
      const platform = key.slice(key.indexOf("\0") + 1);
      materials.push({
        ref: img.display.slice(0, at),
        digest: img.display.slice(at + 1) as Digest,
        ...(platform ? { platform } : {}),
      });
    }
    return {
      id: stored.id,
      manifest: {
        digest: stored.manifest.digest,
        size: stored.manifest.size,
        mediaType: stored.manifest.mediaType,
      },
      config,
      tags: names,
      steps: { ...env.counters },
      warnings: env.warnings,
      provenance: {
        dockerfile: ctx.dockerfile,
        context: ctx.dir
          ? ctx.temporary && /^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(o.context)
            ? { kind: "remote", url: o.context }
            : { kind: "local" }
          : { kind: "stdin" },
        materials,
        steps: [...env.used.values()].map((r) => ({
          createdBy: r.createdBy,
          key: r.key,
          ...(r.layer
            ? { layer: { mediaType: r.layer.mediaType, digest: r.layer.digest, size: r.layer.size } }
            : {}),
        })),
      },
    };
  } catch (caught) {
    abort.abort();
    const e = firstError ?? caught;
    const detail = stepDetail(e);
    if (detail) {
      const box = errorBox(detail, df, ctx.dockerfile.text);
      // A shared renderer goes on drawing the other builds: its owner prints the box after it.
      if (shared) detail.box = box;
      else {
        progress.close();
        for (const l of box) o.progressOut?.write(`${l}\n`);
      }
    }
    throw e;
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
    // Settle every stage before the temp dir goes: a stage still running would find it gone.
    await Promise.allSettled(stages.values());
    if (!shared) progress.close();
    await stat.save().catch(() => undefined);
    for (const n of named.values()) if (n.kind === "dir") await n.stat.save().catch(() => undefined);
    await removeScratch(named);
    imported?.close();
    await images.close();
    await ctx.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

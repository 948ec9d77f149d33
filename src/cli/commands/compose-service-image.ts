import type { Project, ServiceConfig } from "../../compose/index.js";
import { isWharfError } from "../../errors/index.js";
import type { Context } from "../context.js";
import type { ParsedFlags } from "../flags.js";
import { imageForRun, type RunImage } from "./container-image.js";

/** The image a service runs: its `image:`, else `<project>-<service>` (what `build:` tags). */
export function serviceImage(p: Project, s: ServiceConfig): string {
  return s.image ?? `${p.name}-${s.name}`;
}

/**
 * Builds a service's image from its `build:` (BuildKit's plain progress on stderr). `signal`
 * cancels it (`compose watch`'s ^C): its RUN processes killed, nothing tagged, the store as it was.
 * Without one, ^C or SIGTERM cancels it so (`cancelable`: `ComposeCanceled` thrown, for the verb's
 * `canceled` and 130).
 */
export async function buildService(
  ctx: Context,
  p: Project,
  s: ServiceConfig,
  signal?: AbortSignal,
): Promise<void> {
  const b = s.build;
  if (!b) return;
  if (!signal) {
    const { cancelable } = await import("./compose-cancel.js");
    return cancelable((sig) => buildService(ctx, p, s, sig));
  }
  const { build, buildPlatforms } = await import("../../build/index.js");
  const { splitPlatforms, formatPlatform } = await import("../../oci/index.js");
  const { resolve } = await import("node:path");
  const { buildKeyOptions } = await import("./compose-build-keys.js");
  const { platforms: names = [], ...keys } = buildKeyOptions(p, s, ctx.env);
  const platforms = splitPlatforms(names);
  ctx.err(` ${s.name}  Building`);
  const o = {
    root: ctx.root,
    context: b.context,
    ...(b.dockerfile ? { file: resolve(b.context, b.dockerfile) } : {}),
    tags: [serviceImage(p, s), ...(b.tags ?? [])],
    buildArgs: b.args ?? {},
    ...(b.target ? { target: b.target } : {}),
    labels: { ...b.labels, "com.docker.compose.project": p.name, "com.docker.compose.service": s.name },
    env: ctx.env,
    progress: ctx.stderr.isTTY ? ("auto" as const) : ("plain" as const),
    progressOut: ctx.stderr,
    signal,
    ...keys,
    ...(platforms.length === 1 ? { platform: formatPlatform(platforms[0] as (typeof platforms)[0]) } : {}),
  };
  await (platforms.length > 1 ? buildPlatforms(o, platforms) : build(o));
  ctx.err(` ${s.name}  Built`);
}

/**
 * The local image of a service, built first when it has `build:` and none is there (or `build`,
 * or `pull_policy: build`); pulled by `pull` (`up --pull`), else its `pull_policy`, else when
 * missing; for its `platform`. `quiet`: no pull progress (`--quiet-pull`).
 */
export async function serviceImageFor(
  ctx: Context,
  p: Project,
  s: ServiceConfig,
  opts: { build?: boolean; pull?: "missing" | "always" | "never"; quiet?: boolean } = {},
): Promise<RunImage> {
  const name = serviceImage(p, s);
  const f: ParsedFlags = {
    values: { ...(s.platform ? { platform: s.platform } : {}), ...(opts.quiet ? { quiet: true } : {}) },
    given: new Set(s.platform ? ["platform"] : []),
    args: [],
  };
  const policy = opts.pull ?? (s.pull_policy === "build" ? undefined : s.pull_policy);
  if (s.build && !(s.image && s.pull_policy === "always")) {
    if (!opts.build && s.pull_policy !== "build") {
      try {
        return await imageForRun(ctx, f, name, "never");
      } catch (e) {
        if (!isWharfError(e, "image-not-found")) throw e;
      }
    }
    await buildService(ctx, p, s);
    return imageForRun(ctx, f, name, "never");
  }
  return imageForRun(ctx, f, name, policy ?? "missing");
}

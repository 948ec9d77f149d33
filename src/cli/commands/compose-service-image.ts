import type { Project, ServiceConfig } from "../../compose/index.js";
import { isWharfError } from "../../errors/index.js";
import type { Context } from "../context.js";
import type { ParsedFlags } from "../flags.js";
import { imageForRun, type RunImage } from "./container-image.js";

const NO_FLAGS: ParsedFlags = { values: {}, given: new Set(), args: [] };

/** The image a service runs: its `image:`, else `<project>-<service>` (what `build:` tags). */
export function serviceImage(p: Project, s: ServiceConfig): string {
  return s.image ?? `${p.name}-${s.name}`;
}

/** Builds a service's image from its `build:` (BuildKit's plain progress on stderr). */
export async function buildService(ctx: Context, p: Project, s: ServiceConfig): Promise<void> {
  const b = s.build;
  if (!b) return;
  const { build } = await import("../../build/index.js");
  const { resolve } = await import("node:path");
  ctx.err(` ${s.name}  Building`);
  await build({
    root: ctx.root,
    context: b.context,
    ...(b.dockerfile ? { file: resolve(b.context, b.dockerfile) } : {}),
    tags: [serviceImage(p, s)],
    buildArgs: b.args ?? {},
    ...(b.target ? { target: b.target } : {}),
    labels: { "com.docker.compose.project": p.name, "com.docker.compose.service": s.name },
    env: ctx.env,
    progress: ctx.stderr.isTTY ? "auto" : "plain",
    progressOut: ctx.stderr,
  });
  ctx.err(` ${s.name}  Built`);
}

/** The local image of a service, built first when it has `build:` and none is there (or `force`). */
export async function serviceImageFor(
  ctx: Context,
  p: Project,
  s: ServiceConfig,
  opts: { build?: boolean; pull?: "missing" | "always" | "never" } = {},
): Promise<RunImage> {
  const name = serviceImage(p, s);
  if (s.build) {
    if (!opts.build) {
      try {
        return await imageForRun(ctx, NO_FLAGS, name, "never");
      } catch (e) {
        if (!isWharfError(e, "image-not-found")) throw e;
      }
    }
    await buildService(ctx, p, s);
    return imageForRun(ctx, NO_FLAGS, name, "never");
  }
  return imageForRun(ctx, NO_FLAGS, name, opts.pull ?? "missing");
}

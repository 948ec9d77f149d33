import { join } from "node:path";
import { WharfError } from "../errors/index.js";
import {
  type CreatedImage,
  childImageConfig,
  createImage,
  type Images,
  readConfig,
  readManifest,
  resolveImage,
  storeLayerTar,
} from "../images/index.js";
import type { ContainerConfig } from "../oci/index.js";
import { diffRootfs, type PreparedRootfs } from "../rootfs/index.js";
import { getContainer } from "./reconcile.js";
import { runcPause, runcResume } from "./runc.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

export interface CommitOptions {
  images: Images;
  /** `-a`. */
  author?: string;
  /** `-m`. */
  comment?: string;
  /** Freeze a running container while its changes are read (Docker's default: true). */
  pause?: boolean;
  /** The `-c` changes, applied to the container's config (the CLI parses them). */
  change?: (config: ContainerConfig) => ContainerConfig;
  /** `REPOSITORY[:TAG]`; none makes a dangling image. */
  name?: string;
  now?: Date;
}

function envKey(e: string): string {
  const i = e.indexOf("=");
  return i < 0 ? e : e.slice(0, i);
}

/**
 * The container's config as Docker keeps it (`container.Config`: run's options merged over the
 * image's config, daemon/commit.go's `merge`): the user's environment over the image's (no
 * HOSTNAME or TERM: those are added when the process starts), `--entrypoint` (which drops the
 * image's Cmd) and the arguments, `-u`, `-w`, labels over the image's, anonymous `-v` volumes with
 * the image's, the stop signal; the image's ports and healthcheck. The image's ONBUILD and SHELL
 * are not carried (Docker's merge leaves them out).
 */
export function containerConfig(rec: ContainerRecord): ContainerConfig {
  const img = rec.imageConfig;
  const o = rec.options;
  const env = [...(img.Env ?? [])];
  for (const e of o.env ?? []) {
    const i = env.findIndex((x) => envKey(x) === envKey(e));
    if (i >= 0) env[i] = e;
    else env.push(e);
  }
  const entrypoint = o.entrypoint ?? img.Entrypoint ?? null;
  const cmd = o.args && o.args.length > 0 ? o.args : o.entrypoint !== undefined ? null : (img.Cmd ?? null);
  const volumes: Record<string, object> = { ...(img.Volumes ?? {}) };
  for (const m of o.mounts ?? []) if (m.type === "volume" && m.anonymous) volumes[m.destination] = {};
  const labels = { ...(img.Labels ?? {}), ...(o.labels ?? {}) };
  const c: ContainerConfig = {};
  const user = o.user || img.User;
  if (user) c.User = user;
  if (img.ExposedPorts && Object.keys(img.ExposedPorts).length > 0) c.ExposedPorts = { ...img.ExposedPorts };
  if (env.length > 0) c.Env = env;
  if (cmd && cmd.length > 0) c.Cmd = [...cmd];
  if (entrypoint && entrypoint.length > 0) c.Entrypoint = [...entrypoint];
  if (Object.keys(volumes).length > 0) c.Volumes = volumes;
  const workdir = o.workdir || img.WorkingDir;
  if (workdir) c.WorkingDir = workdir;
  if (Object.keys(labels).length > 0) c.Labels = labels;
  const stop = o.stopSignal || img.StopSignal;
  if (stop) c.StopSignal = stop;
  if (img.Healthcheck) c.Healthcheck = img.Healthcheck;
  return c;
}

/** The container's root filesystem record (a container made from a plain directory has none). */
export function preparedOf(ctx: RuntimeContext, rec: ContainerRecord): PreparedRootfs {
  return (
    rec.rootfs.prepared ?? {
      rootfs: rec.rootfs.path,
      dir: rec.rootfs.path,
      mode: "copy",
      snapshots: join(ctx.root, "snapshots"),
      chainIds: [],
    }
  );
}

/** Runs `fn` with the container frozen when it runs and `pause` is asked; thawed however it ends. */
async function paused<T>(
  ctx: RuntimeContext,
  rec: ContainerRecord,
  pause: boolean,
  fn: () => Promise<T>,
): Promise<T> {
  if (!pause || rec.state !== "running") return fn();
  await runcPause(ctx, rec.id);
  try {
    return await fn();
  } finally {
    await runcResume(ctx, rec.id);
  }
}

/**
 * `commit`: the container's changes as a new layer on its image (whiteouts for deletions, opaque
 * directories; nothing when it changed nothing: an empty-layer history entry, as Docker), the
 * container's config with the `-c` changes, and Docker's history entry, in an OCI manifest.
 * Returns the new image.
 */
export async function commitContainer(
  ctx: RuntimeContext,
  ref: string,
  o: CommitOptions,
): Promise<CreatedImage> {
  const rec = await getContainer(ctx, ref);
  const images = o.images;
  const base = await resolveImage(images, rec.imageId).catch((e: unknown) => {
    throw new WharfError("image-not-found", `the image of container ${rec.name} (${rec.imageId}) is gone`, {
      hint: "commit needs the container's image: pull or load it again",
      cause: e,
    });
  });
  const entry = base.entry ?? base.image.entries[0];
  if (!entry) throw new WharfError("image-not-found", `No such image: ${rec.imageId}`);
  const [{ manifest }, { config: baseConfig }] = await Promise.all([
    readManifest(images.content, entry.manifest),
    readConfig(images.content, base.image.id),
  ]);
  const layer = await paused(ctx, rec, o.pause !== false, () =>
    storeLayerTar(images.content, diffRootfs(preparedOf(ctx, rec)), { skipEmpty: true }),
  );
  const own = containerConfig(rec);
  const config = childImageConfig(baseConfig, {
    config: o.change ? o.change(own) : own,
    cmd: own.Cmd ?? [],
    diffId: layer?.diffId,
    ...(o.author ? { author: o.author } : {}),
    ...(o.comment ? { comment: o.comment } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
  return createImage(images, {
    config,
    layers: [...manifest.layers, ...(layer ? [layer] : [])],
    // OCI media types, as Docker's containerd image store writes a commit (the base's Docker layer
    // types translated): tools that read wharf's OCI layout (skopeo, umoci) find the image.
    format: "oci",
    names: o.name ? [o.name] : [],
  });
}

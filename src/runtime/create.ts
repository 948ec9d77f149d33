import { hostname as hostHostname } from "node:os";
import { join } from "node:path";
import type { ContainerConfig } from "../oci/index.js";
import { removeRootfs } from "../rootfs/index.js";
import { allocateContainer, checkNameFree, newContainerId } from "./catalog.js";
import { asksResources } from "./cgroups.js";
import { mergeEnv, resolveCommand } from "./env.js";
import { containerEvent } from "./events.js";
import { isoTime } from "./iso-time.js";
import { checkMounts } from "./mounts.js";
import { networkOptionsToCheck } from "./network/check-needed.js";
import { runcBinary } from "./runc.js";
import { trace } from "./trace.js";
import {
  type ContainerRecord,
  type MountSpec,
  type RootfsHandle,
  type RunOptions,
  type RuntimeContext,
  ZERO_TIME,
} from "./types.js";

export interface CreateOptions extends RunOptions {
  /** `--name`; a name like Docker's is made up when absent. */
  name?: string;
  /** The image as the user named it, its ID (config digest) and its config's `config` object. */
  image: string;
  imageId: string;
  imageConfig: ContainerConfig | undefined;
  /**
   * The container's root filesystem: a directory, or a function that prepares one for the new
   * container's ID (e.g. the rootfs module's `prepareRootfs` into `containerSnapshotDir`).
   */
  rootfs: string | ((id: string) => Promise<RootfsHandle>);
  /** `run`: the `--link`ed containers must be running now (nothing is made otherwise). */
  linksRunning?: boolean;
}

/** The image's `Volumes` become anonymous volumes, except where the user mounted something. */
function withImageVolumes(cfg: ContainerConfig | undefined, mounts: MountSpec[]): MountSpec[] {
  const taken = new Set(mounts.map((m) => m.destination));
  const extra = Object.keys(cfg?.Volumes ?? {})
    .map((d) => (d.length > 1 ? d.replace(/\/+$/, "") : d))
    .filter((d) => d.startsWith("/") && d !== "/" && !taken.has(d))
    .map(
      (destination): MountSpec => ({
        type: "volume",
        source: "",
        destination,
        readOnly: false,
        anonymous: true,
      }),
    );
  return [...mounts, ...extra];
}

/**
 * Creates a container (Docker's `create`): resolves the command by the Entrypoint/Cmd rules,
 * merges the environment, makes an ID, prepares the root filesystem, then allocates the name and
 * writes the record in state `created` (the rootfs is removed again when that fails). Nothing runs.
 */
export async function createContainer(ctx: RuntimeContext, opts: CreateOptions): Promise<ContainerRecord> {
  // A missing or broken runc is said now, before anything is made.
  runcBinary(ctx);
  const cfg = opts.imageConfig ?? {};
  const [path = "", ...args] = resolveCommand(cfg, opts.entrypoint, opts.args);
  // `--volumes-from`: the named containers' mounts first (volumes-from.ts, loaded only then).
  const own = opts.volumesFrom
    ? await (await import("./volumes-from.js")).withVolumesFrom(ctx, opts.volumesFrom, opts.mounts ?? [])
    : (opts.mounts ?? []);
  const mounts = withImageVolumes(cfg, own);
  checkMounts(mounts);
  // Resource limits past the basic ones: Docker's checks and its MemorySwap default (resources.ts).
  const limits = asksResources(opts, true)
    ? (await import("./resources.js")).checkResources(opts, { warn: (m) => ctx.onWarning?.(m) })
    : opts;
  // A network named, aliases or an address: checked now, as Docker's create does (network/check.ts).
  if (networkOptionsToCheck(opts)) await (await import("./network/check.js")).checkNetworkOptions(ctx, opts);
  // `--link`: Docker's checks, the linked containers named as kept (links.ts, loaded only then).
  const links = opts.links?.length
    ? await (await import("./links.js")).checkLinks(ctx, opts, opts.name, {
        running: opts.linksRunning === true,
      })
    : undefined;
  // Volumes are made (anonymous ones named) now, as Docker does at create; loaded only when used.
  const volumes = mounts.some((m) => m.type === "volume") ? await import("./volumes.js") : undefined;
  const named = volumes ? await volumes.ensureVolumes(ctx, mounts) : mounts;
  const { name: _n, image, imageId, imageConfig: _c, rootfs, linksRunning: _l, ...runOpts } = opts;
  const options: RunOptions = { ...runOpts, mounts: named, ...(links ? { links } : {}) };
  if (limits.memorySwap !== undefined) options.memorySwap = limits.memorySwap;
  if (opts.name !== undefined) await checkNameFree(ctx, opts.name);
  // The ID first, so that the root filesystem is ready when the record is written: one write.
  const id = newContainerId();
  const handle: RootfsHandle = typeof rootfs === "string" ? { path: rootfs } : await rootfs(id);
  trace("create: rootfs prepared");
  try {
    const rec = await allocateContainer(ctx, id, opts.name, (name, dir) => ({
      id,
      name,
      image,
      imageId,
      created: isoTime(),
      imageConfig: cfg,
      options,
      path,
      args,
      env: mergeEnv({
        image: cfg.Env,
        user: opts.env,
        hostname: options.network === "host" ? hostHostname() : (options.hostname ?? id.slice(0, 12)),
        tty: options.tty === true,
      }),
      rootfs: handle,
      state: "created",
      pid: 0,
      exitCode: 0,
      error: "",
      startedAt: ZERO_TIME,
      finishedAt: ZERO_TIME,
      oomKilled: false,
      restartCount: 0,
      logPath: join(dir, `${id}-json.log`),
    }));
    trace("create: allocated");
    containerEvent(ctx, rec, "create");
    return rec;
  } catch (e) {
    if (handle.prepared) await removeRootfs(handle.prepared.dir);
    if (volumes) await volumes.removeAnonymousVolumes(ctx, { id, options }).catch(() => undefined);
    throw e;
  }
}

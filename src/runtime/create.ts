import { rm } from "node:fs/promises";
import { hostname as hostHostname } from "node:os";
import { join } from "node:path";
import type { ContainerConfig } from "../oci/index.js";
import { allocateContainer } from "./catalog.js";
import { mergeEnv, resolveCommand } from "./env.js";
import { checkDuplicates } from "./mounts.js";
import { containerDir, updateRecord } from "./store.js";
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
 * merges the environment, allocates an ID and a name, prepares the root filesystem and writes the
 * record in state `created`. Nothing runs yet.
 */
export async function createContainer(ctx: RuntimeContext, opts: CreateOptions): Promise<ContainerRecord> {
  const cfg = opts.imageConfig ?? {};
  const [path = "", ...args] = resolveCommand(cfg, opts.entrypoint, opts.args);
  const mounts = withImageVolumes(cfg, opts.mounts ?? []);
  checkDuplicates(mounts);
  const { name: _n, image, imageId, imageConfig: _c, rootfs, ...runOpts } = opts;
  const options: RunOptions = { ...runOpts, mounts };
  const rec = await allocateContainer(ctx, opts.name, (id, name, dir) => ({
    id,
    name,
    image,
    imageId,
    created: new Date().toISOString(),
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
    rootfs: { path: typeof rootfs === "string" ? rootfs : "" },
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
  if (typeof rootfs === "string") return rec;
  try {
    const handle = await rootfs(rec.id);
    trace("create: rootfs prepared");
    return await updateRecord(ctx, rec.id, (r) => ({ ...r, rootfs: handle }));
  } catch (e) {
    await rm(containerDir(ctx, rec.id), { recursive: true, force: true });
    throw e;
  }
}

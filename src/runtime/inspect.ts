import { bundleDir } from "./bundle.js";
import { containerRwBytes } from "./df.js";
import {
  configExtras,
  dockerState,
  extraStatus,
  hostConfigExtras,
  mountsOf,
  stateExtras,
} from "./inspect-extras.js";
import { hostConfigNs } from "./inspect-ns.js";
import { hostConfigResources } from "./inspect-resources.js";
import { exposedPortsConfig, hostConfigNetwork, networkSettings, portsText } from "./network/settings.js";
import { listContainers } from "./reconcile.js";
import { removeStopped } from "./remove.js";
import { containerDir } from "./store.js";
import { type ContainerRecord, type RunOptions, type RuntimeContext, ZERO_TIME } from "./types.js";

/** Docker's (go-units) HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** The STATUS column of `ps`: `Up 3 minutes`, `Exited (0) 7 minutes ago`, `Created`. */
export function statusText(rec: ContainerRecord, now = Date.now()): string {
  const extra = extraStatus(rec, humanDuration, now);
  if (extra !== undefined) return extra;
  if (rec.state === "running") return `Up ${humanDuration(now - Date.parse(rec.startedAt))}`;
  if (rec.state === "exited" && rec.finishedAt !== ZERO_TIME) {
    return `Exited (${rec.exitCode}) ${humanDuration(now - Date.parse(rec.finishedAt))} ago`;
  }
  return "Created";
}

/** One row of `ps`, before the CLI formats it. */
export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  imageId: string;
  /** The command as Docker's ps shows it, before truncation: path and args joined by spaces. */
  command: string;
  created: string;
  /** Docker's state: created, running, paused, restarting or exited. */
  state: string;
  status: string;
  exitCode: number;
  ports: string;
  labels: Record<string, string>;
  mounts: string[];
}

export function summarize(rec: ContainerRecord, now = Date.now()): ContainerSummary {
  return {
    id: rec.id,
    name: rec.name,
    image: rec.image,
    imageId: rec.imageId,
    command: [rec.path, ...rec.args].join(" "),
    created: rec.created,
    state: dockerState(rec),
    status: statusText(rec, now),
    exitCode: rec.exitCode,
    ports: portsText(rec),
    labels: rec.options.labels ?? {},
    mounts: (rec.options.mounts ?? []).map((m) => m.source || m.destination),
  };
}

/** `inspect` of a container, in Docker's shape (the fields wharf knows). */
export function inspectContainer(ctx: RuntimeContext, rec: ContainerRecord): Record<string, unknown> {
  const o = rec.options;
  const exposed = exposedPortsConfig(rec);
  return {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: {
      Status: rec.state,
      Running: rec.state === "running",
      Paused: false,
      Restarting: false,
      OOMKilled: rec.oomKilled,
      Dead: false,
      Pid: rec.pid,
      ExitCode: rec.exitCode,
      Error: rec.error,
      StartedAt: rec.startedAt,
      FinishedAt: rec.finishedAt,
      ...stateExtras(rec),
    },
    Image: rec.imageId,
    ResolvConfPath: `${containerDir(ctx, rec.id)}/resolv.conf`,
    HostnamePath: `${containerDir(ctx, rec.id)}/hostname`,
    HostsPath: `${containerDir(ctx, rec.id)}/hosts`,
    LogPath: rec.logPath,
    Name: `/${rec.name}`,
    RestartCount: rec.restartCount,
    Driver: rec.rootfs.prepared?.mode === "overlay" ? "overlay2" : "vfs",
    Platform: "linux",
    // No SELinux labels or AppArmor profile are applied (Docker prints these empty without them).
    MountLabel: "",
    ProcessLabel: "",
    AppArmorProfile: "",
    HostConfig: {
      ...hostConfigNetwork(rec),
      AutoRemove: o.autoRemove === true,
      ReadonlyRootfs: o.readOnly === true,
      Memory: o.memory ?? 0,
      NanoCpus: Math.round((o.cpus ?? 0) * 1e9),
      PidsLimit: o.pidsLimit ?? null,
      ...hostConfigResources(o),
      CapAdd: o.capAdd ?? null,
      CapDrop: o.capDrop ?? null,
      SecurityOpt: securityOptText(o),
      Tmpfs: Object.fromEntries(
        (o.mounts ?? [])
          .filter((m) => m.type === "tmpfs")
          .map((m) => [m.destination, (m.options ?? []).join(",")]),
      ),
      ...hostConfigExtras(rec),
      ...hostConfigNs(o, rec.name),
    },
    GraphDriver: {
      Name: rec.rootfs.prepared?.mode === "overlay" ? "overlay2" : "vfs",
      Data: { MergedDir: rec.rootfs.path },
    },
    Mounts: mountsOf(ctx, rec),
    Config: {
      Hostname: o.hostname ?? rec.id.slice(0, 12),
      Domainname: o.domainname ?? "",
      User: o.user ?? rec.imageConfig.User ?? "",
      ...attached(o),
      ...(exposed ? { ExposedPorts: exposed } : {}),
      Tty: o.tty === true,
      OpenStdin: o.interactive === true,
      StdinOnce: o.interactive === true && o.attach?.length !== 0,
      Env: rec.env,
      Cmd:
        o.args && o.args.length > 0
          ? o.args
          : o.entrypoint !== undefined
            ? null
            : (rec.imageConfig.Cmd ?? null),
      Image: rec.image,
      Volumes: rec.imageConfig.Volumes ?? null,
      WorkingDir: o.workdir ?? rec.imageConfig.WorkingDir ?? "",
      Entrypoint: o.entrypoint ?? rec.imageConfig.Entrypoint ?? null,
      OnBuild: null,
      Labels: { ...(rec.imageConfig.Labels ?? {}), ...(o.labels ?? {}) },
      ...(o.stopSignal || rec.imageConfig.StopSignal
        ? { StopSignal: o.stopSignal ?? rec.imageConfig.StopSignal }
        : {}),
      ...configExtras(rec),
    },
    NetworkSettings: networkSettings(rec),
    BundlePath: bundleDir(ctx, rec.id),
  };
}

/**
 * `container prune`: removes every container that is not running (of those `filter` accepts: the
 * CLI's `--filter until=… label=…`).
 */
export async function pruneContainers(
  ctx: RuntimeContext,
  opts: { filter?: (rec: ContainerRecord) => boolean } = {},
): Promise<{ deleted: string[]; spaceReclaimed: number }> {
  const stopped = (await listContainers(ctx)).filter(
    (r) => r.state !== "running" && (opts.filter?.(r) ?? true),
  );
  // Docker's figure: the bytes the containers wrote (`SizeRw`), what `system df` shows of them.
  let spaceReclaimed = 0;
  for (const r of stopped) spaceReclaimed += await containerRwBytes(r);
  const ids = stopped.map((r) => r.id);
  const removed = new Set(await removeStopped(ctx, ids));
  return { deleted: ids.filter((id) => removed.has(id)), spaceReclaimed };
}

/**
 * `HostConfig.SecurityOpt` as Docker shows it: null when none was given; a profile file as its
 * compacted JSON (`seccomp={"defaultAction":...}`), which Docker's CLI sent in the file's stead.
 */
function securityOptText(o: RunOptions): string[] | null {
  const out = [
    ...(o.seccomp !== undefined ? [`seccomp=${o.seccomp}`] : []),
    ...(o.seccompProfile !== undefined ? [`seccomp=${o.seccompProfile}`] : []),
    ...(o.noNewPrivileges === true ? ["no-new-privileges=true"] : []),
  ];
  return out.length > 0 ? out : null;
}

/**
 * Docker CLI's `Config.Attach*`: stdout and stderr unless `-a` names others, stdin with `-i` or
 * `-a stdin`, none for `run -d` (an empty list).
 */
function attached(o: RunOptions): { AttachStdin: boolean; AttachStdout: boolean; AttachStderr: boolean } {
  const detached = o.attach?.length === 0;
  const has = (s: string) => !detached && (o.attach === undefined || o.attach.includes(s));
  return {
    AttachStdin: !detached && (o.interactive === true || o.attach?.includes("stdin") === true),
    AttachStdout: has("stdout"),
    AttachStderr: has("stderr"),
  };
}

import type { ContainerConfig } from "../oci/index.js";
import type { PreparedRootfs } from "../rootfs/index.js";
import type { ExtraRecordFields, ExtraRunOptions } from "./extras-types.js";
import type { NetworkDefaults, NetworkRecordFields, NetworkRunOptions } from "./network/types.js";
import type { NsRunOptions } from "./ns-types.js";
import type { ResourceRunOptions } from "./resource-types.js";

export type ContainerState = "created" | "running" | "exited";

/**
 * A spec's network namespace: `default` the host's network under a hostname of its own (build's
 * RUN steps; a container without root), `none` a new namespace with only `lo`, `host` the host's
 * network and hostname. A container's own namespace (bridge networks) is a path: `SpecInput.netnsPath`.
 */
export type NetworkMode = "default" | "none" | "host";

/** Where wharf keeps its state and which `runc` it drives. */
export interface RuntimeContext {
  /** The wharf root; containers live in `<root>/containers`, runc's state in `<root>/runc`. */
  root: string;
  /** The runc binary (default `runc` from PATH). */
  runc?: string;
  /**
   * The command that starts the detached-container shim, before its own arguments. Default: this
   * Node binary running the compiled `shim.js` beside this module.
   */
  shim?: string[];
  onWarning?: (message: string) => void;
  /**
   * Docker's daemon.json settings of networks (network/daemon-net.ts), asked when a network is made
   * or the default bridge found; absent or undefined: Docker's defaults.
   */
  networkDefaults?: () => Promise<NetworkDefaults | undefined>;
}

/**
 * An image mount's image (`--mount type=image`), resolved at create: its ID, the chain IDs of its
 * layers (bottom first; kept by the snapshots' collection while the container exists), the
 * subpath, and the chain IDs of the layers whose `<layer>/<subpath>` make the mount, topmost first
 * (rootfs/image-mount.ts).
 */
export interface ImageMountSource {
  id: string;
  chainIds: string[];
  subpath?: string;
  lowers: string[];
}

export interface MountSpec {
  type: "bind" | "volume" | "tmpfs" | "image";
  /**
   * Host path (bind), volume name or anonymous-volume directory (volume), the image as named
   * (image); empty for tmpfs.
   */
  source: string;
  destination: string;
  readOnly: boolean;
  /** Extra mount options (tmpfs size/mode, bind propagation). */
  options?: string[];
  /** Set for anonymous volumes, kept under the container's directory. */
  anonymous?: boolean;
  /** A `-v` bind whose missing host directory is created (Docker's `-v`; `--mount` refuses). */
  createSource?: boolean;
  /** Copied by `--volumes-from` from this container's ID (volumes-from.ts). */
  from?: string;
  /** `--mount ...,volume-opt=K=V`: the local driver options of a volume this mount makes. */
  volumeOptions?: Record<string, string>;
  /** `type: "image"`: the image, resolved at create (`--mount type=image,image-subpath=`). */
  image?: ImageMountSource;
  /** `type: "image"`: the `image-subpath` asked for (kept until the image is resolved). */
  imageSubpath?: string;
}

/** What the user asked for; kept in the record so that `start` can build the same spec again. */
export interface RunOptions extends ExtraRunOptions, NetworkRunOptions, ResourceRunOptions, NsRunOptions {
  entrypoint?: string[];
  /** Arguments after the image (replace the image's Cmd when non-empty). */
  args?: string[];
  env?: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  tty?: boolean;
  /**
   * Docker's `HostConfig.ConsoleSize`, `[height, width]`: the caller's terminal at create, which
   * the docker CLI sends for `-t`; a kept (`-d`) container's terminal starts at that size.
   */
  consoleSize?: [number, number];
  interactive?: boolean;
  readOnly?: boolean;
  mounts?: MountSpec[];
  /**
   * Docker's `NetworkMode`: `default` or `bridge` (the default bridge network), `none`, `host`,
   * `container:<name|id>`, or a user network's name (network/attach.ts reads it).
   */
  network?: string;
  /** Bytes. */
  memory?: number;
  /** CPUs, fractional. */
  cpus?: number;
  pidsLimit?: number;
  /** Remove the container when it exits. */
  autoRemove?: boolean;
  stopSignal?: string;
  stopTimeout?: number;
  labels?: Record<string, string>;
  /** `--cap-add`/`--cap-drop`, as `CAP_…` names or `ALL` (caps.ts). */
  capAdd?: string[];
  capDrop?: string[];
  /** `--security-opt seccomp=unconfined`: no seccomp filter; `seccomp=builtin`: the built-in one. */
  seccomp?: "unconfined" | "builtin";
  /**
   * `--security-opt seccomp=FILE`: the file's JSON, compacted, as read when the container was
   * created (Docker's `HostConfig.SecurityOpt` keeps it so): a restart uses it whatever the file
   * became. Converted for the container at each start (seccomp-profile.ts).
   */
  seccompProfile?: string;
  /** daemon.json's `seccomp-profile` file's JSON when the container was created (not in SecurityOpt). */
  daemonSeccompProfile?: string;
  /** `--security-opt no-new-privileges`. */
  noNewPrivileges?: boolean;
}

/** The root filesystem handed to a container: a directory, and the rootfs module's record if any. */
export interface RootfsHandle {
  path: string;
  prepared?: PreparedRootfs;
}

/**
 * wharf's record of one container: `<root>/containers/<id>/config.json` while it is live, an entry of
 * `<root>/containers/exited.json` once it has exited (store.ts, pack.ts).
 */
export interface ContainerRecord extends ExtraRecordFields, NetworkRecordFields {
  id: string;
  name: string;
  /** The image as the user named it, and its config digest. */
  image: string;
  imageId: string;
  created: string;
  /** The image's config (Docker's `Config`), as it was when the container was made. */
  imageConfig: ContainerConfig;
  options: RunOptions;
  /** The resolved command: `path` and `args` as Docker's inspect shows them. */
  path: string;
  args: string[];
  env: string[];
  rootfs: RootfsHandle;
  state: ContainerState;
  pid: number;
  /** `/proc/<pid>/stat` start time of `pid`, so that a reused PID is not taken for the container. */
  pidStart?: number;
  /** The process that waits for the container and records its exit (foreground wharf or shim). */
  monitorPid?: number;
  monitorStart?: number;
  exitCode: number;
  error: string;
  startedAt: string;
  finishedAt: string;
  oomKilled: boolean;
  restartCount: number;
  logPath: string;
}

export const ZERO_TIME = "0001-01-01T00:00:00Z";

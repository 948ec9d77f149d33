import type { Digest } from "../digest/index.js";
import type { ImageConfig } from "../oci/index.js";
import type { PullOptions, TransportOptions } from "../remote/index.js";
import type { Ulimit } from "../runtime/index.js";
import type { BuildAnnotation } from "./annotations.js";
import type { ProvenanceInputs } from "./attest.js";
import type { BaseOptions } from "./base.js";
import type { LayerBlob } from "./blob.js";
import type { CacheRecord } from "./cache.js";
import type { Progress, ProgressMode } from "./progress.js";
import type { ExtraHost } from "./run-hosts.js";
import type { SshAgent } from "./ssh.js";

/** `--secret id=x,src=FILE` or `id=x,env=VAR`: read when a RUN mounts it, never stored. */
export interface SecretSource {
  id: string;
  file?: string;
  env?: string;
}

/** `--output`: `dest` `-` (tar only) is the build's `outputStream` (the CLI's stdout). */
export type BuildOutput =
  | { type: "local"; dest: string }
  | { type: "oci"; dest: string }
  | { type: "tar"; dest: string }
  /** A Docker archive of the image (`name`: its names, else the build's tags). */
  | { type: "docker"; dest: string; name?: string };

/** `--cache-to`: where the build's cache records and their layers go (`mode` default `min`, as BuildKit's). */
export type CacheExport = (
  | { type: "registry"; ref: string }
  | { type: "local"; dest: string; tag?: string }
  /** The records in the image's own config (`type=inline`, `BUILDKIT_INLINE_CACHE=1`): mode min. */
  | { type: "inline" }
) & {
  /** `min`: the steps of the image built; `max`: every step of every stage built. */
  mode?: "min" | "max";
  /** `ignore-error=true`: a failed export is a warning, not a failed build. */
  ignoreError?: boolean;
};

/** `--cache-from`: records (and, on demand, their layers) another machine exported. */
export type CacheImport = { type: "registry"; ref: string } | { type: "local"; src: string; tag?: string };

/** Everything `wharf build` takes (the CLI turns flags into this). */
export interface BuildOptions {
  /** The wharf root. */
  root: string;
  /** The context: a directory, or `-` for stdin (a tar, plain or gzip, or a lone Dockerfile). */
  context: string;
  /** `-f`: a path (relative to the working directory), `-` for stdin; default `<context>/Dockerfile`. */
  file?: string;
  /** Where `-` reads from. */
  stdin?: NodeJS.ReadableStream;
  tags?: string[];
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** `--annotation`: OCI annotations on the manifests and index made (`annotations.ts`). */
  annotations?: BuildAnnotation[];
  target?: string;
  noCache?: boolean;
  /** `--no-cache-filter`: the stages (by name, case-insensitive) whose steps run again, not taken from the cache. */
  noCacheFilter?: string[];
  /**
   * `--build-context NAME=VALUE`: named contexts that FROM, `COPY --from` and `--mount=from=` use
   * (overriding a stage of that name): a directory (relative to the working directory) or
   * `docker-image://REF`.
   */
  buildContexts?: Record<string, string>;
  pull?: boolean;
  /** `os/arch[/variant]`; default this machine's. */
  platform?: string;
  /** Step names start with the platform (`[linux/arm64 2/3] RUN ...`): one build of several platforms. */
  platformLabel?: boolean;
  /** Print (and return) the build checks' summary; false for every platform of a multi-platform build but the first. */
  checkSummary?: boolean;
  secrets?: SecretSource[];
  /** `--ssh`: agents `RUN --mount=type=ssh` may use, by id. */
  ssh?: SshAgent[];
  /** `--add-host`: lines every RUN sees at the end of its /etc/hosts (`host-gateway`: the host, 127.0.0.1). */
  extraHosts?: ExtraHost[];
  /** `--shm-size`: bytes of every RUN's /dev/shm (default 64 MiB). */
  shmSize?: number;
  /** `--ulimit`: every RUN's resource limits. */
  ulimits?: Ulimit[];
  /** `--cgroup-parent`: the cgroup every RUN's cgroup is made under. */
  cgroupParent?: string;
  /** `--allow security.insecure`: `RUN --security=insecure` may run privileged (else refused). */
  allowInsecure?: boolean;
  /** `--network` for every RUN (RUN --network overrides): `default` is the host's network here. */
  network?: "default" | "none" | "host";
  outputs?: BuildOutput[];
  /** Where a `type=tar,dest=-` output (`-o -`) is written. */
  outputStream?: NodeJS.WritableStream;
  /** `--push`: each tag pushed to its registry once the image is stored (the build needs a tag). */
  push?: boolean;
  cacheTo?: CacheExport[];
  cacheFrom?: CacheImport[];
  /** Signature verification of FROM / `--from` images pulled by the build (remote's PullOptions.verify). */
  verify?: PullOptions["verify"];
  /** After a verified pull recorded `top`: keeps the signatures its verification read (as `pull` does). */
  keepSignatures?: BaseOptions["keepSignatures"];
  /** FROM / `--from` images found locally: checked with the signatures kept beside them. */
  verifyLocal?: BaseOptions["verifyLocal"];
  /** The environment (`SOURCE_DATE_EPOCH`, secrets' `env=`). */
  env?: NodeJS.ProcessEnv;
  transport?: TransportOptions;
  /** The runc binary (tests); default from PATH. */
  runc?: string;
  progress?: ProgressMode;
  /** Where progress goes (stderr). */
  progressOut?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /**
   * A renderer shared with other builds running at once (bake's targets; `sharedProgress` names
   * their steps): used instead of one of the build's own, never closed by the build, and a failed
   * step's box is left on the error (`errorBoxOf`) for the renderer's owner to print after it.
   */
  renderer?: Progress;
  /** Stages built at once (default 2, the cores this is sized for). */
  concurrency?: number;
  signal?: AbortSignal;
}

export interface BuildResult {
  /** The image ID (config digest). */
  id: Digest;
  /** The manifest as stored. */
  manifest: { digest: Digest; size: number; mediaType: string };
  config: ImageConfig;
  /** The full names it was tagged with. */
  tags: string[];
  /** Steps done and steps taken from the cache. */
  steps: { done: number; cached: number };
  warnings: string[];
  /** What the build read and did (Dockerfile, resolved images, steps), for `--provenance`. */
  provenance?: ProvenanceInputs;
}

/** One layer of a stage's image: the blob and its diff ID. */
export type StateLayer = LayerBlob;

/** A stage's image as the build goes: its layers, its config, and the key of its filesystem. */
export interface StageState {
  /** Identifies the filesystem (base and every step that made a layer): the parent of the next step's cache key. */
  key: Digest;
  layers: StateLayer[];
  config: ImageConfig;
  /** The time of the last layer (history times of metadata steps follow it, as BuildKit's). */
  time: string | undefined;
  /** The cache records of the steps that made this filesystem, in order (`--cache-to mode=min`). */
  records: CacheRecord[];
}

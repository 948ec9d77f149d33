import type { LinuxResources } from "./cgroups.js";
import type { SeccompProfile } from "./seccomp.js";
import type { Security } from "./security.js";
import { defaultMounts, MASKED_PATHS, nofileLimit, READONLY_PATHS, type SpecMount } from "./spec-defaults.js";
import type { NetworkMode } from "./types.js";
import type { ExecUser } from "./user.js";

/** An OCI runtime-spec process, as runc reads it (also `runc exec --process`). */
export interface SpecProcess {
  terminal: boolean;
  user: { uid: number; gid: number; additionalGids?: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
  rlimits: { type: string; hard: number; soft: number }[];
  noNewPrivileges: boolean;
  /** `--oom-score-adj` (resources-spec.ts); absent: runc leaves the value the container inherits. */
  oomScoreAdj?: number;
}

export interface RuntimeSpec {
  ociVersion: string;
  process: SpecProcess;
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: SpecMount[];
  /** `createRuntime`: run by runc before the container's process starts (network/gate.ts). */
  hooks?: { createRuntime: { path: string; args: string[]; timeout?: number }[] };
  linux: {
    namespaces: { type: string; path?: string }[];
    maskedPaths: string[];
    readonlyPaths: string[];
    resources: LinuxResources;
    seccomp?: SeccompProfile;
    /** The container's cgroup (runc's default, `/<id>`, when absent). */
    cgroupsPath?: string;
  };
}

/** A mount as the container sees it, its source already on the host. */
export interface ResolvedMount {
  /** `overlay`: an image mount's read-only overlay, its options given whole (image-mount.ts). */
  type: "bind" | "tmpfs" | "overlay";
  source: string;
  destination: string;
  readOnly: boolean;
  options?: string[];
}

export interface SpecInput {
  rootfs: string;
  readOnly: boolean;
  hostname: string;
  argv: string[];
  env: string[];
  cwd: string;
  user: ExecUser;
  tty: boolean;
  network: NetworkMode;
  /** A network namespace made for the container (bridge networks, `container:`): runc joins it. */
  netnsPath?: string;
  /** Hooks runc runs before the container's process starts (its network's gate). */
  createRuntime?: { path: string; args: string[]; timeout?: number }[];
  mounts: readonly ResolvedMount[];
  resources: LinuxResources;
  security: Security;
  /** A mount on `/` that runc makes first (the overlay, mounted inside the container). */
  rootMount?: SpecMount;
}

/**
 * `--ulimit`s (daemon.json's `default-ulimits` included) over a process's rlimits, by type: the
 * container's process, and each `exec`'s (Docker's exec processes take the container's limits).
 */
export function withUlimits(
  rlimits: SpecProcess["rlimits"],
  ulimits: readonly { name: string; soft: number; hard: number }[] | undefined,
): SpecProcess["rlimits"] {
  if (!ulimits || ulimits.length === 0) return rlimits;
  const byType = new Map(rlimits.map((r) => [r.type, r]));
  for (const u of ulimits) {
    const type = `RLIMIT_${u.name.toUpperCase()}`;
    byType.set(type, { type, soft: u.soft, hard: u.hard });
  }
  return [...byType.values()];
}

export function buildProcess(p: {
  argv: string[];
  env: string[];
  cwd: string;
  user: ExecUser;
  tty: boolean;
  security: Security;
}): SpecProcess {
  const caps = [...p.security.capabilities];
  return {
    terminal: p.tty,
    user: {
      uid: p.user.uid,
      gid: p.user.gid,
      ...(p.user.additionalGids.length > 0 ? { additionalGids: p.user.additionalGids } : {}),
    },
    args: p.argv,
    env: p.env,
    cwd: p.cwd,
    capabilities: { bounding: caps, effective: caps, permitted: caps },
    rlimits: [{ type: "RLIMIT_NOFILE", hard: nofileLimit(), soft: nofileLimit() }],
    noNewPrivileges: p.security.noNewPrivileges,
  };
}

function toSpecMount(m: ResolvedMount): SpecMount {
  const rw = m.readOnly ? "ro" : "rw";
  if (m.type === "overlay") {
    return { destination: m.destination, type: "overlay", source: "overlay", options: m.options ?? [] };
  }
  if (m.type === "tmpfs") {
    return {
      destination: m.destination,
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "nodev", "noexec", rw, ...(m.options ?? [])],
    };
  }
  const propagation = m.options?.find(
    (o) => o.includes("private") || o.includes("shared") || o.includes("slave"),
  );
  return {
    destination: m.destination,
    type: "bind",
    source: m.source,
    options: ["rbind", rw, propagation ?? "rprivate"],
  };
}

function depth(p: string): number {
  return p.split("/").filter(Boolean).length;
}

/**
 * The OCI runtime spec for a container, with Docker's defaults: its capabilities and seccomp filter
 * (`security.ts`), masked and read-only /proc and /sys paths, default mounts (a user mount on the
 * same path replaces one), RLIMIT_NOFILE, and namespaces by network mode (`none`: a new network namespace with only `lo`;
 * `host`: the host's network and hostname; `default`: the host's network, an own hostname).
 */
export function buildSpec(input: SpecInput): RuntimeSpec {
  const user = [...input.mounts].sort((a, b) => depth(a.destination) - depth(b.destination));
  const taken = new Set(user.map((m) => m.destination));
  const mounts = [
    ...(input.rootMount ? [input.rootMount] : []),
    ...defaultMounts().filter((m) => !taken.has(m.destination)),
    ...user.map(toSpecMount),
  ];
  const namespaces: { type: string; path?: string }[] = [{ type: "pid" }, { type: "ipc" }, { type: "mount" }];
  if (input.network !== "host") namespaces.push({ type: "uts" });
  if (input.netnsPath) namespaces.push({ type: "network", path: input.netnsPath });
  else if (input.network === "none") namespaces.push({ type: "network" });
  return {
    ociVersion: "1.0.2",
    process: buildProcess(input),
    root: { path: input.rootfs, readonly: input.readOnly },
    ...(input.network !== "host" ? { hostname: input.hostname } : {}),
    mounts,
    ...(input.createRuntime ? { hooks: { createRuntime: input.createRuntime } } : {}),
    linux: {
      namespaces,
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
      resources: input.resources,
      ...(input.security.seccomp ? { seccomp: input.security.seccomp } : {}),
    },
  };
}

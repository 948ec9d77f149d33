/**
 * What `--pid`, `--ipc`, `--uts`, `--cgroupns`, `--shm-size`, `--sysctl`, `--group-add`,
 * `--domainname` and `--annotation` change in a container's OCI spec, applied by `prepareBundle`
 * only to a container that asks for one of them (`asksNs`). Docker's daemon is the reference:
 * `container:` modes join the namespace of a running container (its `/proc/<pid>/ns/…`), `host`
 * drops the namespace, `--ipc shareable` keeps its /dev/shm as a tmpfs on the host (so that a
 * joiner can bind the same one, as Docker's ShmPath), `--ipc none` has no /dev/shm.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { resolveInRoot } from "../archive/paths.js";
import { WharfError } from "../errors/index.js";
import { isMounted, unmount } from "../rootfs/index.js";
import { resolveId } from "./catalog.js";
import type { RuntimeSpec } from "./spec.js";
import type { SpecMount } from "./spec-defaults.js";
import { containerDir, readRecordRaw } from "./store.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";
import { parseGroup } from "./user.js";

const run = promisify(execFile);

/** Docker's default /dev/shm size (`HostConfig.ShmSize` when not given). */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

type Spec = RuntimeSpec & {
  annotations?: Record<string, string>;
  linux: RuntimeSpec["linux"] & { sysctl?: Record<string, string> };
};

/** The `<name|id>` of a `container:<name|id>` mode, or undefined. */
export function containerRef(mode: string | undefined): string | undefined {
  return mode?.startsWith("container:") ? mode.slice("container:".length) : undefined;
}

/** Where a shareable container keeps its /dev/shm on the host (Docker's `ShmPath`). */
export function shmDir(ctx: RuntimeContext, id: string): string {
  return join(containerDir(ctx, id), "shm");
}

/** A running container named by a `container:` mode (not this one), as Docker's getPIDContainer. */
async function runningDonor(
  ctx: RuntimeContext,
  rec: ContainerRecord,
  ref: string,
  what: string,
): Promise<ContainerRecord> {
  const id = await resolveId(ctx, ref);
  const other = await readRecordRaw(ctx, id);
  if (id === rec.id || other?.state !== "running" || other.pid <= 0 || other.restarting) {
    throw new WharfError(
      "conflict",
      `cannot join ${what} of container ${ref}: container ${id} is not running`,
      {
        hint: `start it first (wharf start ${ref}), then start this one`,
      },
    );
  }
  return other;
}

function setNamespace(spec: Spec, type: string, path: string | undefined): void {
  const rest = spec.linux.namespaces.filter((n) => n.type !== type);
  spec.linux.namespaces = path === "" ? rest : [...rest, path === undefined ? { type } : { type, path }];
}

function shmOptions(size: number): string[] {
  return ["nosuid", "noexec", "nodev", "mode=1777", `size=${size}`];
}

/** Mounts a shareable container's /dev/shm tmpfs on the host (again after a start cut short: kept). */
async function mountShm(dir: string, size: number): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (await isMounted(dir)) return;
  try {
    await run("mount", ["-t", "tmpfs", "-o", shmOptions(size).join(","), "shm", dir]);
  } catch (e) {
    const detail = (e as { stderr?: string }).stderr?.trim() || (e as Error).message;
    throw new WharfError("runtime", `cannot mount the shareable /dev/shm at ${dir}: ${detail}`, {
      cause: e,
      hint: "--ipc shareable needs root (a tmpfs mounted on the host); use --ipc private",
    });
  }
}

/** Unmounts a shareable container's /dev/shm (its end, its removal); nothing when there is none. */
export async function releaseShm(ctx: RuntimeContext, rec: ContainerRecord): Promise<void> {
  if (rec.options.ipcMode === "shareable") await unmount(shmDir(ctx, rec.id));
}

function bindShm(source: string): SpecMount {
  return { destination: "/dev/shm", type: "bind", source, options: ["rbind", "rprivate"] };
}

/** The /dev/shm mount (undefined: none) and the IPC namespace path ("" none of its own). */
async function ipcOf(
  ctx: RuntimeContext,
  rec: ContainerRecord,
  size: number,
): Promise<{ shm: SpecMount | undefined; ns?: string }> {
  const mode = rec.options.ipcMode;
  if (mode === "none") return { shm: undefined };
  if (mode === "host") return { shm: bindShm("/dev/shm"), ns: "" };
  if (mode === "shareable") {
    const dir = shmDir(ctx, rec.id);
    await mountShm(dir, size);
    return { shm: bindShm(dir) };
  }
  const ref = containerRef(mode);
  if (ref !== undefined) {
    const donor = await runningDonor(ctx, rec, ref, "IPC");
    const shared = donor.options.ipcMode;
    if (shared !== "shareable" && shared !== "host") {
      throw new WharfError(
        "invalid-argument",
        `container ${donor.id}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`,
        {
          hint: `make the donor with --ipc shareable: wharf run --ipc shareable ... (${ref} is ${shared ?? "private"})`,
        },
      );
    }
    const source = shared === "host" ? "/dev/shm" : shmDir(ctx, donor.id);
    return { shm: bindShm(source), ns: `/proc/${donor.pid}/ns/ipc` };
  }
  return {
    shm: { destination: "/dev/shm", type: "tmpfs", source: "shm", options: shmOptions(size) },
  };
}

/** `--group-add`: numbers as they are, names looked up in the container's /etc/group (runc's rules). */
export function groupIds(groupAdd: readonly string[], groupFile: string): number[] {
  const groups = parseGroup(groupFile);
  return groupAdd.map((g) => {
    const found = groups.find((x) => x.name === g || String(x.gid) === g);
    if (found) return found.gid;
    if (/^[0-9]+$/.test(g) && Number(g) <= 0x7fffffff) return Number(g);
    throw new WharfError("runtime", `Unable to find group ${g}: no matching entries in group file`, {
      hint: `add the group to the image's /etc/group, or give its number: --group-add <gid>`,
    });
  });
}

/**
 * The supplementary groups of a process with `--group-add`, as Docker's (moby's getUser): the
 * groups that list the user, then the added ones (names read from `rootfs`'s /etc/group); not the
 * primary group that resolveUser puts first (unless a group lists the user in it, an edge this
 * loses). Also for `exec`, as Docker's exec gets them.
 */
export async function withGroupAdd(
  user: { gid: number; additionalGids?: number[] },
  groupAdd: readonly string[],
  rootfs: string,
): Promise<number[]> {
  const file = groupAdd.every((g) => /^[0-9]+$/.test(g)) ? "" : await groupFileOf(rootfs);
  const gids = (user.additionalGids ?? []).filter((g, i) => !(i === 0 && g === user.gid));
  for (const g of groupIds(groupAdd, file)) if (!gids.includes(g)) gids.push(g);
  return gids;
}

async function groupFileOf(rootfs: string): Promise<string> {
  try {
    return readFileSync(await resolveInRoot(rootfs, ["etc", "group"], { followLast: true }), "utf8");
  } catch {
    return "";
  }
}

/**
 * Adds what the options ask for to `spec` (in place). Names in `--group-add` are read from the
 * container's tree, which `prepareBundle` mounted on the host for such a container.
 */
export async function applyNs(ctx: RuntimeContext, rec: ContainerRecord, spec: RuntimeSpec): Promise<void> {
  const s = spec as Spec;
  const o = rec.options;
  const pidRef = containerRef(o.pidMode);
  if (o.pidMode === "host") setNamespace(s, "pid", "");
  else if (pidRef !== undefined) {
    setNamespace(s, "pid", `/proc/${(await runningDonor(ctx, rec, pidRef, "PID")).pid}/ns/pid`);
  }
  if (o.ipcMode !== undefined || o.shmSize !== undefined) {
    const { shm, ns } = await ipcOf(ctx, rec, o.shmSize ?? DEFAULT_SHM_SIZE);
    const at = s.mounts.findIndex((m) => m.destination === "/dev/shm" && m.source === "shm");
    if (at >= 0) {
      if (shm) s.mounts[at] = shm;
      else s.mounts.splice(at, 1);
    }
    if (ns !== undefined) setNamespace(s, "ipc", ns);
  }
  if (o.utsMode === "host") {
    setNamespace(s, "uts", "");
    delete s.hostname;
  }
  if (o.cgroupnsMode === "private") setNamespace(s, "cgroup", undefined);
  if (o.sysctls) s.linux.sysctl = { ...o.sysctls };
  // As a sysctl, which every runc sets in the container's own UTS namespace (runc 1.1 ignores the
  // spec's `domainname`); the CLI refuses --domainname without one.
  if (o.domainname && s.linux.namespaces.some((n) => n.type === "uts")) {
    s.linux.sysctl = { ...s.linux.sysctl, "kernel.domainname": o.domainname };
  }
  if (o.annotations) s.annotations = { ...o.annotations };
  if (o.groupAdd && o.groupAdd.length > 0) {
    const user = s.process.user;
    user.additionalGids = await withGroupAdd(user, o.groupAdd, rec.rootfs.path);
  }
}

/**
 * What `--init`, `--ulimit`, `--device` and `--privileged` add to a container's OCI spec, applied
 * by `prepareBundle` only to a container that asks for one of them.
 */
import { accessSync, constants, type Dirent, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { WharfError } from "../errors/index.js";
import type { DeviceMapping } from "./extras-types.js";
import { type RuntimeSpec, withUlimits } from "./spec.js";
import type { RunOptions } from "./types.js";

/** Where Docker mounts its init (docker-init, a static tini) in the container. */
export const INIT_PATH = "/sbin/docker-init";

/** A device node as the OCI spec lists it. */
export interface LinuxDevice {
  path: string;
  type: "c" | "b";
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

type Spec = RuntimeSpec & { linux: RuntimeSpec["linux"] & { devices?: LinuxDevice[] } };

/**
 * The init binary: Docker's `docker-init` where it is installed, else Debian's `tini-static` (the
 * same program, statically linked so that it runs in any image: busybox, musl, scratch).
 */
export function findInit(path = process.env.PATH ?? ""): string {
  for (const name of ["docker-init", "tini-static"]) {
    for (const dir of path.split(":").filter((d) => d.startsWith("/"))) {
      const p = join(dir, name);
      try {
        accessSync(p, constants.X_OK);
        if (statSync(p).isFile()) return p;
      } catch {}
    }
  }
  throw new WharfError("runtime", 'exec: "docker-init": executable file not found in $PATH', {
    hint: "--init runs tini as PID 1: install it (as root: apt-get install -y tini), which gives tini-static",
  });
}

/** Linux's encoding of a device number (glibc's major()/minor()). */
export function splitDev(rdev: bigint): { major: number; minor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}

/** The device at `host` (or the devices under it, for a directory) as seen at `inContainer`. */
export function devicesAt(host: string, inContainer: string): LinuxDevice[] {
  const st = statSync(host, { bigint: true });
  if (st.isDirectory()) {
    return readdirSync(host, { withFileTypes: true }).flatMap((d: Dirent) =>
      devicesAt(join(host, d.name), join(inContainer, d.name)),
    );
  }
  if (!st.isCharacterDevice() && !st.isBlockDevice()) return [];
  return [
    {
      path: inContainer,
      type: st.isCharacterDevice() ? "c" : "b",
      ...splitDev(st.rdev),
      fileMode: Number(st.mode & 0o777n),
      uid: Number(st.uid),
      gid: Number(st.gid),
    },
  ];
}

/** Every device of the host, as Docker's `--privileged` gives them (not pts, shm, mqueue, fd, console). */
export function hostDevices(dir = "/dev"): LinuxDevice[] {
  const skip = new Set(["pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"]);
  const out: LinuxDevice[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!skip.has(e.name)) out.push(...hostDevices(p));
    } else if ((e.isCharacterDevice() || e.isBlockDevice()) && p !== "/dev/console") {
      try {
        out.push(...devicesAt(p, p));
      } catch {}
    }
  }
  return out;
}

function mapped(m: DeviceMapping): { devices: LinuxDevice[]; access: string } {
  try {
    return { devices: devicesAt(m.pathOnHost, m.pathInContainer), access: m.permissions };
  } catch (e) {
    throw new WharfError(
      "invalid-argument",
      `error gathering device information while adding custom device "${m.pathOnHost}": no such file or directory`,
      { cause: e },
    );
  }
}

/** Adds what the options ask for to `spec` (in place); `init` is the init binary's host path. */
export function applyExtras(spec: RuntimeSpec, o: RunOptions, init?: string): void {
  const s = spec as Spec;
  if (o.init) {
    // daemon.json's `init-path` (kept in the options at create), else the one found on PATH.
    const initPath = init ?? o.initPath ?? findInit();
    s.mounts.push({
      destination: INIT_PATH,
      type: "bind",
      source: initPath,
      options: ["rbind", "ro", "rprivate"],
    });
    s.process.args = [INIT_PATH, "--", ...s.process.args];
  }
  s.process.rlimits = withUlimits(s.process.rlimits, o.ulimits);
  const devices: LinuxDevice[] = [];
  if (o.privileged) {
    devices.push(...hostDevices());
    s.linux.resources.devices = [{ allow: true, access: "rwm" }];
    s.linux.maskedPaths = [];
    s.linux.readonlyPaths = [];
    // /sys and its cgroups writable, as Docker's privileged containers have them.
    for (const m of s.mounts) {
      if (m.destination === "/sys" || m.destination === "/sys/fs/cgroup") {
        m.options = (m.options ?? []).filter((x) => x !== "ro").concat("rw");
      }
    }
  }
  for (const m of o.devices ?? []) {
    const got = mapped(m);
    devices.push(...got.devices);
    for (const d of got.devices) {
      s.linux.resources.devices.push({
        allow: true,
        type: d.type,
        major: d.major,
        minor: d.minor,
        access: got.access,
      });
    }
  }
  if (devices.length > 0) {
    const byPath = new Map((s.linux.devices ?? []).map((d) => [d.path, d]));
    for (const d of devices) byPath.set(d.path, d);
    s.linux.devices = [...byPath.values()];
  }
}

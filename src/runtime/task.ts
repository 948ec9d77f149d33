import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { randomHex } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { readTextOr } from "../files/index.js";
import { mkdirInRoot } from "./bundle.js";
import { buildResources } from "./cgroups.js";
import type { Ulimit } from "./extras-types.js";
import { pidDir } from "./pid-file.js";
import { runcBinary, runcDelete, runcGlobal, runcLoggedError, runtimeUnusable, startError } from "./runc.js";
import { childEnded, exitStatus } from "./runc-process.js";
import { securityOf } from "./security.js";
import { buildSpec, type ResolvedMount } from "./spec.js";
import { specJson } from "./spec-json.js";
import type { NetworkMode, RuntimeContext } from "./types.js";
import { resolveUser } from "./user.js";

/** A process run once in a root filesystem: no record, no log, no name (`build`'s RUN steps). */
export interface TaskOptions {
  /** The root filesystem, already mounted on the host (the caller's `mountRootfs`). */
  rootfs: string;
  /** A directory of the caller's for the bundle and runc's files; emptied here at the end. */
  dir: string;
  argv: string[];
  /** The whole environment (no HOME is added when one is there). */
  env: string[];
  /** Made in the tree when missing, as Docker's builder does. */
  cwd: string;
  /** `user[:group]`, names resolved in the tree's /etc/passwd and /etc/group; default root. */
  user?: string;
  network: NetworkMode;
  mounts?: readonly ResolvedMount[];
  hostname?: string;
  onStdout?: (chunk: Uint8Array) => void;
  onStderr?: (chunk: Uint8Array) => void;
  /** Aborting kills the process (SIGKILL). */
  signal?: AbortSignal;
  /** `build --shm-size`: bytes of the task's /dev/shm (default Docker's 64 MiB). */
  shmSize?: number;
  /** `build --ulimit`: the process's resource limits (-1: unlimited). */
  ulimits?: readonly Ulimit[];
  /** `build --cgroup-parent`: the cgroup the task's cgroup is made under. */
  cgroupParent?: string;
  /** `RUN --security=insecure`: privileged, as `run --privileged` (capabilities, devices, no seccomp). */
  privileged?: boolean;
}

/** /etc/hosts, /etc/hostname and /etc/resolv.conf of the task, as bind mounts. */
function etcFiles(dir: string, hostname: string, network: NetworkMode): ResolvedMount[] {
  const hosts =
    network === "host" || network === "default"
      ? readTextOr("/etc/hosts", "127.0.0.1\tlocalhost\n")
      : `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t${hostname}\n`;
  writeFileSync(join(dir, "hosts"), hosts);
  writeFileSync(join(dir, "hostname"), `${hostname}\n`);
  writeFileSync(join(dir, "resolv.conf"), readTextOr("/etc/resolv.conf"));
  return ["hosts", "hostname", "resolv.conf"].map((f) => ({
    type: "bind" as const,
    source: join(dir, f),
    destination: `/etc/${f}`,
    readOnly: false,
  }));
}

/**
 * Runs `argv` in `rootfs` with `runc run` and returns its exit status; output goes to the callbacks.
 * Docker's defaults apply (capabilities, seccomp, masked paths, default mounts); the user is resolved
 * in the tree and the working directory made there. A process that cannot be started is thrown as
 * Docker reports it (127 not found, 126 not executable, 125 otherwise).
 */
export async function runTask(ctx: RuntimeContext, o: TaskOptions): Promise<number> {
  const runc = runcBinary(ctx);
  mkdirSync(join(o.dir, "bundle"), { recursive: true });
  const hostname = o.hostname ?? "buildkitsandbox";
  const user = await resolveUser(o.rootfs, o.user);
  await mkdirInRoot(o.rootfs, o.cwd);
  const env = o.env.some((e) => e.startsWith("HOME=")) ? o.env : [...o.env, `HOME=${user.home}`];
  const mounts = [...(o.mounts ?? [])];
  const taken = new Set(mounts.map((m) => m.destination));
  for (const m of etcFiles(o.dir, hostname, o.network)) if (!taken.has(m.destination)) mounts.push(m);
  const spec = buildSpec({
    rootfs: o.rootfs,
    readOnly: false,
    hostname,
    argv: o.argv,
    env,
    cwd: o.cwd,
    user,
    tty: false,
    network: o.network,
    mounts,
    resources: buildResources({}, (m) => ctx.onWarning?.(m)),
    security: securityOf(o.privileged ? { privileged: true } : {}),
  });
  const id = `build-${randomHex(16)}`;
  const shm = spec.mounts.find((m) => m.destination === "/dev/shm");
  if (o.shmSize && shm?.options) {
    shm.options = [...shm.options.filter((x) => !x.startsWith("size=")), `size=${o.shmSize}`];
  }
  if (o.ulimits?.length || o.privileged) {
    (await import("./spec-extras.js")).applyExtras(spec, {
      ...(o.ulimits?.length ? { ulimits: [...o.ulimits] } : {}),
      ...(o.privileged ? { privileged: true } : {}),
    });
  }
  if (o.cgroupParent) spec.linux.cgroupsPath = `${o.cgroupParent.replace(/\/+$/, "")}/${id}`;
  writeFileSync(join(o.dir, "bundle", "config.json"), specJson(spec));
  const runcLog = join(o.dir, "runc.log");
  // On a tmpfs when there is one: runc writes it with O_SYNC (pid-file.ts).
  const tmp = pidDir();
  const pidFile = tmp ? join(tmp, `${id}.pid`) : join(o.dir, "runc.pid");
  const args = [
    ...runcGlobal(ctx, runcLog),
    "run",
    "--bundle",
    join(o.dir, "bundle"),
    "--pid-file",
    pidFile,
    id,
  ];
  const child = spawn(runc, args, { stdio: ["ignore", "pipe", "pipe"] });
  let spawnError: unknown;
  child.once("error", (e) => {
    spawnError = e;
  });
  const ended = childEnded(child);
  (child.stdout as Readable).on("data", (c: Uint8Array) => o.onStdout?.(c));
  (child.stderr as Readable).on("data", (c: Uint8Array) => o.onStderr?.(c));
  const kill = () => child.kill("SIGKILL");
  o.signal?.addEventListener("abort", kill, { once: true });
  try {
    const [code, sig] = await ended;
    const started = readTextOr(pidFile).trim() !== "";
    if (!started) {
      const logged = await runcLoggedError(runcLog);
      if (logged !== undefined) throw startError(logged);
      if (spawnError !== undefined) throw runtimeUnusable(runc, String(spawnError));
      throw new WharfError("runtime", `runc (${runc}) exited with status ${code} before the process started`);
    }
    return exitStatus(code, sig);
  } finally {
    o.signal?.removeEventListener("abort", kill);
    await runcDelete(ctx, id, true).catch(() => undefined);
    for (const f of ["bundle", "hosts", "hostname", "resolv.conf", "runc.log", "runc.pid"]) {
      rmSync(join(o.dir, f), { recursive: true, force: true });
    }
    rmSync(pidFile, { force: true });
  }
}

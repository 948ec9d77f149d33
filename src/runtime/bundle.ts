import { execFile } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { hostname as hostHostname } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
// paths.js, not the index: the index loads the tar code (tar-stream, zlib), which a run never needs.
import { resolveInRoot } from "../archive/paths.js";
import { nodeCrypto } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { readTextOr, removeTreesAsync } from "../files/index.js";
import { mountRootfs, overlayRootMount } from "../rootfs/index.js";
import { asksResources, buildResources } from "./cgroups.js";
import type { NetSetup } from "./network/attach.js";
import { asksNs } from "./ns-types.js";
import { runcPidFile } from "./pid-file.js";
import { securityOf } from "./security.js";
import { buildSpec, type ResolvedMount, type RuntimeSpec } from "./spec.js";
import { specJson } from "./spec-json.js";
import { containerDir } from "./store.js";
import type { ContainerRecord, MountSpec, RuntimeContext } from "./types.js";
import { type ExecUser, resolveUser } from "./user.js";
import { cachedUser, rememberUser, upperEmpty } from "./user-cache.js";

const run = promisify(execFile);

export function bundleDir(ctx: RuntimeContext, id: string): string {
  return join(containerDir(ctx, id), "bundle");
}

/** The files made again at each start: the OCI bundle, the /etc files, runc's PID file and log. */
const PER_START = [
  "bundle",
  "hosts",
  "hostname",
  "resolv.conf",
  "runc.pid",
  "runc.log",
  "network.gate",
] as const;

/**
 * Deletes what `prepareBundle` and runc wrote for one start (`PER_START`), once the container has
 * ended: a stopped container keeps only its record, its log and its changes.
 */
export async function releaseStartFiles(ctx: RuntimeContext, id: string): Promise<void> {
  const dir = containerDir(ctx, id);
  // At once: each file or directory that frees a block waits for its discard (files/tree.ts).
  // runc's PID file is on a tmpfs when there is one (pid-file.ts).
  await removeTreesAsync([...PER_START.map((f) => join(dir, f)), runcPidFile(ctx, id)]);
}

/** Makes `path` (a container path) exist as a directory inside `rootfs`, never outside it. */
export async function mkdirInRoot(rootfs: string, path: string): Promise<void> {
  let host: string;
  try {
    host = await resolveInRoot(rootfs, path.split("/"), { followLast: true });
  } catch (e) {
    throw new WharfError(
      "runtime",
      `cannot create ${path} in the container: it leads outside the container`,
      {
        cause: e,
      },
    );
  }
  await mkdir(host, { recursive: true, mode: 0o755 });
}

/** A new volume starts with what the image has at its path (Docker's copy-up). */
async function copyUp(rootfs: string, dst: string, volume: string): Promise<void> {
  let src: string;
  try {
    src = await resolveInRoot(rootfs, dst.split("/"), { followLast: true });
    if ((await readdir(src)).length === 0) return;
  } catch {
    return;
  }
  await run("cp", ["-a", "--", `${src}/.`, volume]);
}

async function resolveMount(ctx: RuntimeContext, rec: ContainerRecord, m: MountSpec): Promise<ResolvedMount> {
  // `--mount type=image`: another image's layers, mounted read-only by runc (loaded only then).
  if (m.type === "image") return (await import("./image-mount.js")).resolveImageMount(ctx, m);
  if (m.type === "tmpfs")
    return {
      type: "tmpfs",
      source: "",
      destination: m.destination,
      readOnly: m.readOnly,
      options: m.options ?? [],
    };
  let source = m.source;
  if (m.type === "volume") {
    // An anonymous volume without a name is one made before they had names, in the container's dir.
    source =
      m.anonymous && m.source === ""
        ? join(
            containerDir(ctx, rec.id),
            "volumes",
            nodeCrypto().createHash("sha256").update(m.destination).digest("hex"),
          )
        : join(ctx.root, "volumes", m.source, "_data");
    if (!existsSync(source)) await mkdir(source, { recursive: true, mode: 0o755 });
    // A volume with driver options: its filesystem mounted on `_data` while containers use it.
    if (!(m.anonymous && m.source === ""))
      await (await import("./volume-use.js")).mountVolumeFor(ctx, m.source, rec.id);
    // As Docker: an empty volume gets what the image has at its path (unless `nocopy`).
    if (!m.options?.includes("nocopy") && (await readdir(source)).length === 0) {
      await copyUp(rec.rootfs.path, m.destination, source);
    }
  } else if (!existsSync(source)) {
    if (!m.createSource) {
      throw new WharfError(
        "invalid-argument",
        `invalid mount config for type "bind": bind source path does not exist: ${source}`,
      );
    }
    await mkdir(source, { recursive: true });
  }
  return { type: "bind", source, destination: m.destination, readOnly: m.readOnly, options: m.options ?? [] };
}

/** /etc/hosts, /etc/hostname and /etc/resolv.conf for the container, as files in its directory. */
async function writeEtcFiles(
  ctx: RuntimeContext,
  rec: ContainerRecord,
  hostname: string,
  net: NetSetup | undefined,
): Promise<ResolvedMount[]> {
  const ro = rec.options.readOnly === true;
  const dir = net?.shareEtcFrom ?? containerDir(ctx, rec.id);
  const files = ["hosts", "hostname", "resolv.conf"];
  const mounts = files.map((f) => ({
    type: "bind" as const,
    source: join(dir, f),
    destination: `/etc/${f}`,
    readOnly: ro,
  }));
  // `--network container:…`: the other container's files, as Docker shares them.
  if (net?.shareEtcFrom) return mounts;
  const host = rec.options.network === "host";
  let hosts =
    net?.hosts ??
    (host
      ? readTextOr("/etc/hosts", "127.0.0.1\tlocalhost\n")
      : `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n127.0.1.1\t${hostname}\n`);
  let resolv = net?.resolv ?? readTextOr("/etc/resolv.conf");
  // `--add-host` and `--dns…` without a bridge network (with one, network/attach.ts made them).
  const o = rec.options;
  // (A gated network writes its files when it is complete: network/gate.ts.)
  if (net?.hosts === undefined && !net?.late && (o.extraHosts || o.dns || o.dnsSearch || o.dnsOptions)) {
    ({ hosts, resolv } = (await import("./network/etc.js")).withUserEntries(hosts, resolv, o));
  }
  // Made again at every start, so a plain write is enough (no fsync on the way to running).
  writeFileSync(join(dir, "hosts"), hosts);
  writeFileSync(join(dir, "hostname"), `${hostname}\n`);
  writeFileSync(join(dir, "resolv.conf"), resolv);
  return mounts;
}

export function hostnameOf(rec: ContainerRecord): string {
  if (rec.options.network === "host") return hostHostname();
  return rec.options.hostname ?? rec.id.slice(0, 12);
}

/**
 * The container's tree mounted on the host (`mountRootfs`): its user resolved from the files there
 * (and remembered while the container has changed nothing), its working directory made.
 * Otherwise runc makes the working directory, inside the container.
 */
async function onHost(
  ctx: RuntimeContext,
  rec: ContainerRecord,
  userSpec: string | undefined,
  cwd: string,
): Promise<ExecUser> {
  const p = rec.rootfs.prepared;
  const pristine = p !== undefined && (await upperEmpty(p));
  if (p) await mountRootfs(p, { init: true });
  const user = await resolveUser(rec.rootfs.path, userSpec);
  if (p && pristine) await rememberUser(ctx, p, userSpec, user);
  await mkdirInRoot(rec.rootfs.path, cwd);
  return user;
}

/**
 * Writes the container's OCI bundle (`<dir>/bundle/config.json`) from its record: resolves the
 * user, makes the working directory and volumes, and writes the /etc files. Called at each start,
 * as Docker does. A container that has changed nothing yet, has no volume to fill from the image
 * and whose image's users are known (`user-cache.ts`) gets its overlay mounted by runc inside the
 * container (`overlayRootMount`); otherwise the root filesystem is mounted on the host first.
 */
export async function prepareBundle(
  ctx: RuntimeContext,
  rec: ContainerRecord,
  network?: Promise<NetSetup>,
): Promise<RuntimeSpec> {
  const p = rec.rootfs.prepared;
  const rootfs = rec.rootfs.path;
  const opts = rec.options;
  const userSpec = opts.user ?? rec.imageConfig.User;
  const cwd = opts.workdir || rec.imageConfig.WorkingDir || "/";
  // A container that has changed nothing yet, with no volume to fill from the image, needs no view
  // of its tree on the host once its user is known: runc mounts the overlay inside the container.
  // (`--group-add` names are read from its /etc/group: spec-ns.ts.)
  const inside =
    p && !opts.groupAdd && !(opts.mounts ?? []).some((m) => m.type === "volume") && (await upperEmpty(p));
  const cached = inside && p ? await cachedUser(ctx, p, userSpec) : undefined;
  const rootMount = cached && p ? await overlayRootMount(p, { init: true }) : undefined;
  const user = cached && rootMount ? cached : await onHost(ctx, rec, userSpec, cwd);
  const mounts: ResolvedMount[] = [];
  for (const m of opts.mounts ?? []) mounts.push(await resolveMount(ctx, rec, m));
  const taken = new Set(mounts.map((m) => m.destination));
  // Made meanwhile by the caller (network/attach.ts): the namespace, the /etc files' contents.
  const net = network ? await network : undefined;
  const hostname = net?.hostname ?? hostnameOf(rec);
  for (const m of await writeEtcFiles(ctx, rec, hostname, net)) if (!taken.has(m.destination)) mounts.push(m);
  const env = rec.env.some((e) => e.startsWith("HOME=")) ? rec.env : [...rec.env, `HOME=${user.home}`];
  const spec = buildSpec({
    rootfs,
    readOnly: opts.readOnly === true,
    hostname,
    argv: [rec.path, ...rec.args],
    env,
    cwd,
    user,
    tty: opts.tty === true,
    network: opts.network === "host" || opts.network === "none" ? opts.network : "default",
    ...(net?.netnsPath ? { netnsPath: net.netnsPath } : {}),
    ...(net?.hooks ? { createRuntime: net.hooks } : {}),
    mounts,
    resources: buildResources(opts, (m) => ctx.onWarning?.(m)),
    security: securityOf(opts),
    ...(rootMount ? { rootMount } : {}),
  });
  // --init, --ulimit, --device, --privileged: loaded only for a container that asks for one.
  if (opts.init || opts.ulimits || opts.devices || opts.privileged) {
    (await import("./spec-extras.js")).applyExtras(spec, opts);
  }
  // --cpu-shares, --memory-swap, --blkio-weight, --oom-score-adj, ...: likewise (resources-spec.ts).
  if (asksResources(opts)) {
    (await import("./resources-spec.js")).applyResources(spec, opts, (m) => ctx.onWarning?.(m));
  }
  // --pid, --ipc, --uts, --shm-size, --sysctl, --group-add, ...: likewise (spec-ns.ts).
  if (asksNs(opts)) await (await import("./spec-ns.js")).applyNs(ctx, rec, spec);
  // --cgroup-parent: as Docker's cgroupfs driver places a container, `<parent>/<id>`.
  if (opts.cgroupParent) spec.linux.cgroupsPath = `${opts.cgroupParent.replace(/\/+$/, "")}/${rec.id}`;
  const dir = bundleDir(ctx, rec.id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), specJson(spec));
  return spec;
}

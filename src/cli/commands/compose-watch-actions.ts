/**
 * What `compose watch` does to a service's containers: sync (changed files copied in at the
 * target, deleted ones removed, in every container of the service), restart, rebuild (build, then
 * recreate the containers as `up --build SERVICE`), and `sync+exec`'s command.
 */
import { lstat, readdir, readlink, rm } from "node:fs/promises";
import { join, posix } from "node:path";
import { Writable } from "node:stream";
import type { Project, ServiceConfig, WatchExec } from "../../compose/index.js";
import { WharfError } from "../../errors/index.js";
import {
  type ContainerRecord,
  copyToContainer,
  execInContainer,
  openContainerTree,
  type RuntimeContext,
  resolveUser,
  restartContainer,
  startContainer,
} from "../../runtime/index.js";
import type { Context } from "../context.js";
import { progress, projectContainers } from "./compose-common.js";
import { runHooks } from "./compose-hooks.js";
import { containerNumber } from "./compose-targets.js";
import { type ActiveRule, ignoredBy, isChild, type PathMapping, quoteList } from "./compose-watch-rules.js";

/** The service's containers (replicas by number; stopped ones too, as Compose syncs them). */
export async function serviceContainers(
  rt: RuntimeContext,
  p: Project,
  service: string,
): Promise<ContainerRecord[]> {
  return (await projectContainers(rt, p.name, { services: [service] })).sort(
    (a, b) => containerNumber(a) - containerNumber(b),
  );
}

const parts = (p: string) => p.split("/").filter((x) => x !== "" && x !== ".");

type Entry = Parameters<typeof import("../../archive/index.js").packEntries>[0][number];

/** The tar entries of a host path at a container path: a file, a link, or a directory and what it holds. */
async function entriesOf(
  host: string,
  container: string,
  skip: (host: string) => boolean,
  out: Entry[],
): Promise<void> {
  const st = await lstat(host).catch(() => undefined);
  if (!st) return;
  const name = parts(container).join("/");
  if (name === "") return;
  const base = { name, mode: st.mode & 0o7777, uid: 0, gid: 0, mtime: st.mtime };
  if (st.isDirectory()) {
    out.push({ ...base, type: "directory" });
    for (const n of await readdir(host)) {
      const h = join(host, n);
      if (!skip(h)) await entriesOf(h, posix.join(container, n), skip, out);
    }
  } else if (st.isSymbolicLink()) out.push({ ...base, type: "symlink", linkname: await readlink(host) });
  else if (st.isFile()) out.push({ ...base, type: "file", source: { path: host, size: st.size } });
}

/**
 * Who the synced files belong to in a container, as Compose copies them (`CopyUIDGID`): the
 * container's user (the service's `user:`, else the image's USER) resolved in its own /etc/passwd
 * and /etc/group (numeric ids as given, a numeric user absent from passwd with group 0); root
 * when it has none.
 */
export async function syncOwner(
  rt: RuntimeContext,
  c: ContainerRecord,
): Promise<{ uid: number; gid: number }> {
  const spec = c.options.user ?? c.imageConfig.User;
  if (spec === undefined || spec === "") return { uid: 0, gid: 0 };
  const numeric = /^(\d+):(\d+)$/.exec(spec);
  if (numeric) return { uid: Number(numeric[1]), gid: Number(numeric[2]) };
  const tree = await openContainerTree(rt, c, { live: true });
  try {
    const u = await resolveUser(tree.root, spec);
    return { uid: u.uid, gid: u.gid };
  } finally {
    await tree.release();
  }
}

/**
 * Brings the containers up to date with the host paths: those that exist are copied in (parents
 * made, files owned by the container's user: syncOwner), those gone are removed (`rm -rf`, as
 * Compose runs it).
 */
export async function syncPaths(
  rt: RuntimeContext,
  containers: readonly ContainerRecord[],
  mappings: readonly PathMapping[],
): Promise<void> {
  const { packEntries, resolveInRoot } = await import("../../archive/index.js");
  const entries: Entry[] = [];
  const gone: string[] = [];
  for (const m of mappings) {
    if (m.container === undefined) continue;
    const st = await lstat(m.host).catch(() => undefined);
    if (!st) gone.push(m.container);
    else {
      const rule = m.rule;
      await entriesOf(m.host, m.container, (h) => (rule ? ignoredBy(rule, h) : false), entries);
    }
  }
  for (const c of containers) {
    if (gone.length > 0) {
      const tree = await openContainerTree(rt, c, { write: true });
      try {
        for (const g of gone) {
          const ps = parts(g);
          if (ps.length === 0) continue;
          const parent = await resolveInRoot(tree.root, ps.slice(0, -1), { followLast: true, clamp: true });
          await rm(join(parent, ps.at(-1) as string), { recursive: true, force: true });
        }
      } finally {
        await tree.release();
      }
    }
    if (entries.length === 0) continue;
    const owner = await syncOwner(rt, c);
    const owned = entries.map((e) => ({ ...e, ...owner }));
    await copyToContainer(rt, c.id, "/", { tar: packEntries(owned) }, { archive: true });
  }
}

/** `initial_sync`: the files of the rule's path (less what is ignored, the Dockerfile and compose files). */
export async function initialSyncFiles(rule: ActiveRule, s: ServiceConfig): Promise<PathMapping[]> {
  const skipNames = new Set([
    "Dockerfile",
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
    ...(s.build?.dockerfile ? [posix.basename(s.build.dockerfile)] : []),
  ]);
  const out: PathMapping[] = [];
  const target = rule.target ?? "/";
  const walk = async (host: string, container: string): Promise<void> => {
    const st = await lstat(host).catch(() => undefined);
    if (!st) return;
    if (!st.isDirectory()) {
      out.push({ host, container });
      return;
    }
    for (const n of await readdir(host)) {
      const h = join(host, n);
      if (skipNames.has(n) || ignoredBy(rule, h) || boundIn(s, h)) continue;
      await walk(h, posix.join(container, n));
    }
  };
  await walk(rule.path, target);
  return out;
}

/** A host path under one of the service's bind mounts (Compose leaves it to the mount). */
export function boundIn(s: ServiceConfig, host: string): boolean {
  return (s.volumes ?? []).some(
    (v) => v.type === "bind" && v.source !== undefined && isChild(v.source, host),
  );
}

/** Restarts the service's containers as `compose restart` does (its hooks, Compose's progress lines). */
export async function restartService(
  ctx: Context,
  rt: RuntimeContext,
  p: Project,
  service: string,
): Promise<void> {
  const say = progress(ctx);
  const s = p.services.find((x) => x.name === service);
  for (const c of await serviceContainers(rt, p, service)) {
    if (c.state === "running") await runHooks(ctx, rt, s, "pre_stop", c.id);
    say("Container", c.name, "Restarting");
    await restartContainer(rt, c.id);
    say("Container", c.name, "Started");
    await runHooks(ctx, rt, s, "post_start", c.id);
  }
}

/** `sync+exec`: the rule's command in each running container of the service; a failure is an error. */
export async function execInService(
  ctx: Context,
  rt: RuntimeContext,
  p: Project,
  service: string,
  x: WatchExec,
): Promise<void> {
  for (const c of await serviceContainers(rt, p, service)) {
    if (c.state !== "running") continue;
    const code = await execInContainer(rt, c.id, {
      argv: x.command,
      env: Object.entries(x.environment ?? {}).map(([k, v]) => `${k}=${v}`),
      ...(x.user !== undefined ? { user: x.user } : {}),
      ...(x.working_dir !== undefined ? { workdir: x.working_dir } : {}),
      ...(x.privileged ? { privileged: true } : {}),
      tty: false,
      interactive: false,
      stdout: ctx.stdout,
      stderr: ctx.stderr,
    });
    if (code !== 0) throw new Error(`exit code ${code}`);
  }
}

/** `compose up`'s making of a service's container (given by the caller: `up` imports this file). */
export type Converge = (
  ctx: Context,
  rt: RuntimeContext,
  p: Project,
  s: ServiceConfig,
  o: { build: boolean; forceRecreate: boolean; n?: number },
  say: ReturnType<typeof progress>,
) => Promise<{ rec: ContainerRecord; running: boolean }>;

/** A context whose stderr (build progress) goes nowhere: `--quiet`. */
function quietContext(ctx: Context): Context {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  return { ...ctx, stderr: sink, err: () => undefined };
}

/** A service's build (`buildService`; given by the caller in tests). */
export type BuildService = (
  ctx: Context,
  p: Project,
  s: ServiceConfig,
  signal?: AbortSignal,
) => Promise<void>;

/** Thrown when `signal` has aborted: the rebuild stops where it is. */
function checkCanceled(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw new WharfError("build-failed", "canceled", { hint: "the rebuild was canceled (^C)" });
}

/**
 * `rebuild`: the services' images built again, then their containers recreated and started (as
 * `up --build SERVICE`), with Compose's lines; a failed build leaves the containers as they were.
 * `prune`: the images the old containers ran are removed when nothing else uses or names them.
 * `signal` (^C) cancels it as Compose does: the build under way is stopped (its RUN processes
 * killed, nothing tagged) and no container is recreated after it.
 */
export async function rebuildServices(
  ctx: Context,
  rt: RuntimeContext,
  p: Project,
  services: readonly ServiceConfig[],
  o: {
    quiet: boolean;
    prune: boolean;
    log: (line: string) => void;
    converge: Converge;
    signal?: AbortSignal;
    build?: BuildService;
  },
): Promise<void> {
  const names = services.map((s) => s.name);
  o.log(`Rebuilding service(s) ${quoteList(names)} after changes were detected...`);
  const build = o.build ?? (await import("./compose-service-image.js")).buildService;
  const bctx = o.quiet ? quietContext(ctx) : ctx;
  try {
    for (const s of services) {
      checkCanceled(o.signal);
      await build(bctx, p, s, o.signal);
    }
    checkCanceled(o.signal);
  } catch (e) {
    if (!o.signal?.aborted) o.log(`Build failed. Error: ${(e as Error).message}`);
    throw e;
  }
  o.log(`service(s) ${quoteList(names)} successfully built`);
  const say = progress(ctx);
  const old = new Set<string>();
  for (const s of services) {
    const have = await serviceContainers(rt, p, s.name);
    for (const c of have) old.add(c.imageId);
    const numbers = have.length > 0 ? have.map(containerNumber) : [1];
    for (const n of numbers) {
      checkCanceled(o.signal);
      const { rec } = await o.converge(ctx, rt, p, s, { build: false, forceRecreate: true, n }, say);
      say("Container", rec.name, "Starting");
      await startContainer(rt, rec.id);
      await runHooks(ctx, rt, s, "post_start", rec.id);
      say("Container", rec.name, "Started");
    }
  }
  if (o.prune) await pruneImages(ctx, rt, old);
}

/** Removes the images of `ids` that are dangling (no name left) and that no container uses (quietly). */
async function pruneImages(ctx: Context, rt: RuntimeContext, ids: Set<string>): Promise<void> {
  const { containersUsing } = await import("../../runtime/index.js");
  const { listImages, openImages, removeImage } = await import("../../images/index.js");
  const images = await openImages(ctx.root);
  const containers = containersUsing(rt);
  for (const img of await listImages(images)) {
    if (!ids.has(img.id) || !img.dangling || img.names.length > 0) continue;
    // A container still using it keeps it (removeImage refuses without force).
    await removeImage(images, img.id, { force: false, containers }).catch(() => undefined);
  }
}

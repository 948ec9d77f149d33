import {
  configHash,
  containerName,
  LABELS,
  type Project,
  type ServiceConfig,
  startOrder,
  withDependencies,
} from "../../compose/index.js";
import { WharfError } from "../../errors/index.js";
import {
  type ContainerRecord,
  createContainer,
  getContainer,
  type RuntimeContext,
  removeContainer,
  startContainer,
  stopContainer,
  waitContainer,
} from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import { withCancel } from "./compose-cancel.js";
import {
  COMPOSE_FLAGS,
  orphans,
  progress,
  projectContainers,
  projectOf,
  shortName,
} from "./compose-common.js";
import { runHooks, stopForUp } from "./compose-hooks.js";
import { printLogs } from "./compose-logs-print.js";
import { injectFiles, serviceRunOptions, withDaemonDefaults } from "./compose-options.js";
import { replicasOf, SCALE_FLAG, scaleDown, scaleOf } from "./compose-replicas.js";
import { ensureResources } from "./compose-resources.js";
import { serviceImageFor } from "./compose-service-image.js";
import {
  attachedServices,
  UP_FLAGS,
  type UpOptions,
  upOptions,
  upScope,
  waitRunning,
  watchExits,
} from "./compose-up-options.js";
import { runtimeContext } from "./container-common.js";

type Say = ReturnType<typeof progress>;

async function existing(rt: RuntimeContext, name: string): Promise<ContainerRecord | undefined> {
  return getContainer(rt, name).catch(() => undefined);
}

/** Makes (or keeps) a service's container; returns it and whether it was already running unchanged. */
export async function converge(
  ctx: Context,
  rt: RuntimeContext,
  p: Project,
  s: ServiceConfig,
  o: {
    build: boolean;
    forceRecreate: boolean;
    n?: number;
    noRecreate?: boolean;
    pull?: "always" | "missing" | "never";
    quietPull?: boolean;
    timeout?: number;
  },
  say: Say,
): Promise<{ rec: ContainerRecord; running: boolean }> {
  const name = containerName(p, s, o.n ?? 1);
  const image = await serviceImageFor(ctx, p, s, {
    build: o.build,
    ...(o.pull ? { pull: o.pull } : {}),
    ...(o.quietPull ? { quiet: true } : {}),
  });
  try {
    const old = await existing(rt, name);
    if (old) {
      const same =
        (o.noRecreate && old.options.labels?.[LABELS.project] === p.name) ||
        (old.options.labels?.[LABELS.hash] === configHash(s, p) &&
          old.imageId === image.id &&
          !o.forceRecreate);
      if (same) return { rec: old, running: old.state === "running" };
      if (old.options.labels?.[LABELS.project] !== p.name) {
        throw new WharfError(
          "conflict",
          `Conflict. The container name "/${name}" is already in use by container "${old.id}". You have to remove (or rename) that container to be able to reuse that name.`,
          {
            hint: `remove it (wharf rm -f ${name}) or give the service another container_name`,
          },
        );
      }
      say("Container", name, "Recreate");
      if (old.state === "running") await runHooks(ctx, rt, s, "pre_stop", old.id);
      await stopContainer(rt, old.id, o.timeout !== undefined ? { timeout: o.timeout } : {});
      await removeContainer(rt, old.id, { force: true });
    } else say("Container", name, "Creating");
    const options = serviceRunOptions(p, s, name, (w) => ctx.err(`WARN[0000] ${w}`), o.n ?? 1);
    const rec = await createContainer(rt, {
      ...(await withDaemonDefaults(options, p, s, ctx.env)),
      name,
      image: image.name,
      imageId: image.id,
      imageConfig: image.config.config,
      rootfs: image.rootfs,
    });
    await injectFiles(rt, p, s, rec.id);
    say("Container", name, old ? "Recreated" : "Created");
    return { rec, running: false };
  } finally {
    await image.close();
  }
}

/** Waits for what a service's depends_on asks of each dependency (Compose's words when it fails). */
export async function waitDependencies(
  rt: RuntimeContext,
  p: Project,
  s: ServiceConfig,
  say: Say,
): Promise<void> {
  for (const [dep, d] of Object.entries(s.depends_on ?? {})) {
    const svc = p.services.find((x) => x.name === dep);
    if (!svc || d.condition === "service_started") continue;
    const name = containerName(p, svc);
    say("Container", name, "Waiting");
    if (d.condition === "service_completed_successfully") {
      const code = await waitContainer(rt, name);
      if (code !== 0)
        throw new WharfError("conflict", `service "${dep}" didn't complete successfully: exit ${code}`, {
          hint: `wharf compose logs ${dep}`,
        });
      say("Container", name, "Exited");
      continue;
    }
    for (;;) {
      const rec = await getContainer(rt, name);
      if (rec.health?.Status === "healthy") break;
      if (rec.health?.Status === "unhealthy" || rec.state !== "running") {
        throw new WharfError("conflict", `dependency failed to start: container ${name} is unhealthy`, {
          hint: `wharf compose logs ${dep}`,
        });
      }
      if (!rec.health && !rec.options.healthcheck) {
        throw new WharfError(
          "conflict",
          `dependency failed to start: container ${name} has no healthcheck configured`,
          { hint: `give ${dep} a healthcheck:, or depend on it with service_started` },
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    say("Container", name, "Healthy");
  }
}

export const command: Command = withCancel({
  path: ["compose", "up"],
  usage: "[OPTIONS] [SERVICE...]",
  description: "Create and start containers",
  flags: [
    ...COMPOSE_FLAGS,
    {
      name: "detach",
      short: "d",
      type: "bool",
      description: "Detached mode: Run containers in the background",
    },
    { name: "build", type: "bool", description: "Build images before starting containers" },
    {
      name: "force-recreate",
      type: "bool",
      description: "Recreate containers even if their configuration and image haven't changed",
    },
    { name: "no-start", type: "bool", description: "Don't start the services after creating them" },
    SCALE_FLAG,
    { name: "no-deps", type: "bool", description: "Don't start linked services" },
    {
      name: "remove-orphans",
      type: "bool",
      description: "Remove containers for services not defined in the Compose file",
    },
    ...UP_FLAGS,
    {
      name: "watch",
      short: "w",
      type: "bool",
      description: "Watch source code and rebuild/refresh containers when files are updated.",
    },
  ],
  async run(ctx, f) {
    const p = projectOf(ctx, f, f.args);
    const up = upOptions(f, p);
    // `--watch`: the services with watch rules, checked before anything is made.
    const watched = flag.bool(f, "watch") ? await upWatched(p, f.args) : undefined;
    const since = Date.now();
    const rt = runtimeContext(ctx);
    const say = progress(ctx);
    const services = startOrder(
      flag.bool(f, "no-deps") && f.args.length > 0
        ? p.services.filter((s) => f.args.includes(s.name))
        : withDependencies(p.services, f.args),
    );
    if (services.length === 0)
      throw new WharfError("invalid-argument", "no service selected", {
        hint: "activate a profile (--profile NAME or COMPOSE_PROFILES), or name a service",
      });
    // The services followed, checked before anything is made (as Compose's AttachTo).
    const following = !up.detach && !up.wait && !flag.bool(f, "no-start");
    const attachTo = following ? attachedServices(services, f.args, up) : [];
    await orphans(ctx, rt, p, flag.bool(f, "remove-orphans"), say);
    await ensureResources(rt, p, services, say);
    const scale = scaleOf(p, flag.strings(f, "scale"));
    const made: { s: ServiceConfig; rec: ContainerRecord; running: boolean }[] = [];
    for (const s of services) {
      const replicas = replicasOf(s, scale);
      for (let n = 1; n <= replicas; n++) {
        const dependency = up.recreateDeps && f.args.length > 0 && !f.args.includes(s.name);
        const o = {
          build: up.build,
          forceRecreate: up.forceRecreate || dependency,
          n,
          noRecreate: up.noRecreate,
          ...(up.pull ? { pull: up.pull } : {}),
          quietPull: up.quietPull,
          ...(up.timeout !== undefined ? { timeout: up.timeout } : {}),
        };
        made.push({ s, ...(await converge(ctx, rt, p, s, o, say)) });
      }
      await scaleDown(ctx, rt, p.name, s, replicas, say, up.timeout);
    }
    if (flag.bool(f, "no-start")) return 0;
    for (const m of made) {
      const name = m.rec.name;
      if (m.running) {
        say("Container", name, "Running");
        continue;
      }
      await waitDependencies(rt, p, m.s, say);
      say("Container", name, "Starting");
      await startContainer(rt, m.rec.id);
      await runHooks(ctx, rt, m.s, "post_start", m.rec.id);
      say("Container", name, "Started");
    }
    if (up.wait) {
      await waitRunning(
        rt,
        made.map((m) => m.rec),
        up.waitTimeout,
        say,
      );
      return 0;
    }
    if (up.detach && !watched) return 0;
    const watching = watched
      ? async (prefix: string) => {
          const { watchProject } = await import("./compose-watch-core.js");
          return watchProject(ctx, p, watched, {
            prune: true,
            quiet: false,
            log: (line) => ctx.out(`${prefix}${line}`),
            converge,
          });
        }
      : undefined;
    if (up.detach && watching) {
      // `-d --watch`: no logs, only the watch.
      const { untilSignal } = await import("./compose-watch-core.js");
      const signal = untilSignal();
      const w = await watching("");
      await signal;
      await w.close();
      return 130;
    }
    return attach(ctx, rt, p, { services, names: f.args, attached: attachTo }, since, up, watching);
  },
});

/** `up --watch`'s services, refused in Compose's words when none has watch rules. */
async function upWatched(p: Project, names: readonly string[]): Promise<ServiceConfig[]> {
  const { watchedServices, NOT_CONFIGURED } = await import("./compose-watch-core.js");
  try {
    return watchedServices(p, names);
  } catch (e) {
    if ((e as Error).message !== NOT_CONFIGURED) throw e;
    throw new WharfError(
      "invalid-argument",
      "none of the selected services is configured for watch, see https://docs.docker.com/compose/how-tos/file-watch/",
      { hint: "add a develop: section with watch: rules to a service, or drop --watch" },
    );
  }
}

/**
 * `up` without -d: the attached services' logs (`attachedServices`) until they all stop; ^C stops
 * the services named, else all (`upScope`), in Compose's words.
 */
async function attach(
  ctx: Context,
  rt: RuntimeContext,
  p: Project,
  sel: { services: ServiceConfig[]; names: readonly string[]; attached: string[] },
  since: number,
  up: UpOptions,
  watching?: (prefix: string) => Promise<{ close(): Promise<void> }>,
): Promise<number> {
  const { attached } = sel;
  const scope = upScope(sel.services, sel.names, attached);
  // The containers of these services (none for none: projectContainers takes an empty list as all).
  const of = async (services: readonly string[]) =>
    services.length > 0 ? projectContainers(rt, p.name, { services }) : [];
  const containers = await of(attached);
  ctx.out(`Attaching to ${containers.map((c) => c.name).join(", ")}`);
  // `--watch`: Compose's watch lines among the logs, `⦿` where the others have their name.
  const width = Math.max(0, ...containers.map((c) => shortName(c).length));
  const watcher = watching ? await watching(`${" ".repeat(width + 2)}\u29bf `) : undefined;
  const stop = new AbortController();
  let stopping: Promise<void> | undefined;
  const onInt = () => {
    if (stopping) process.exit(130);
    ctx.err("Gracefully stopping... (press Ctrl+C again to force)");
    const say = progress(ctx);
    stopping = (async () => {
      // `--watch`: the rebuild under way is canceled first; it may have recreated them since.
      await watcher?.close();
      const now = await of(scope.stopped);
      // Each one's pre_stop hooks first; a failing one leaves it running, as Compose's stop.
      for (const c of [...now].reverse()) await stopForUp(ctx, rt, p, c, up.timeout, say);
      stop.abort();
    })();
  };
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onInt);
  // Those named, else those attached, are watched: each one's exit printed, attached or not (as
  // Compose's monitor); `--abort-on-container-*` stops `scope.stopped` on the first.
  const watched = await of(scope.watched);
  // A followed container's exit line comes after its last lines (not under `--watch`'s refollows).
  const ends = new Map<string, () => void>();
  const drained = new Map(containers.map((c) => [c.id, new Promise<void>((r) => ends.set(c.id, r))]));
  const watch = watchExits(
    ctx,
    rt,
    p,
    { watched, stopped: await of(scope.stopped), all: await of(sel.services.map((s) => s.name)) },
    up,
    progress(ctx),
    () => stopping !== undefined,
    watcher ? {} : { drained: async (id) => drained.get(id) },
  );
  try {
    if (watcher) {
      // `--watch`: restarts and recreates end the streams; the containers are followed again.
      const { followWatched } = await import("./compose-watch-core.js");
      await followWatched(ctx, p, attached, stop.signal, since);
    } else
      await follow(rt, containers, watched, stop.signal, (cs, o) =>
        printLogs(ctx, rt, cs, { ...o, since, onEnd: (c) => ends.get(c.id)?.() }),
      );
    await stopping;
    // As Compose: the exit code of --exit-code-from's container, else of the first that exited
    // (with --abort-on-container-*); 0 without, and when ^C or SIGTERM stopped the containers.
    const code = await watch.done;
    return stopping ? 0 : code;
  } finally {
    watch.cancel();
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onInt);
    await watcher?.close();
  }
}

/**
 * `up`'s logs: those of the watched containers (`upScope`) until they end; those of the others
 * attached (`--attach-dependencies`, `--attach` beside the services named) until every watched
 * one has exited too, as Compose's `up SERVICE` ends with SERVICE, its dependencies running on.
 */
async function follow(
  rt: RuntimeContext,
  attached: readonly ContainerRecord[],
  watched: readonly ContainerRecord[],
  signal: AbortSignal,
  print: (
    cs: readonly ContainerRecord[],
    o: { follow: true; signal: AbortSignal; width: number },
  ) => Promise<void>,
): Promise<void> {
  const ids = new Set(watched.map((c) => c.id));
  const width = Math.max(0, ...attached.map((c) => shortName(c).length));
  const others = new AbortController();
  const end = () => others.abort();
  signal.addEventListener("abort", end, { once: true });
  try {
    await Promise.all([
      (async () => {
        await print(
          attached.filter((c) => ids.has(c.id)),
          { follow: true, signal, width },
        );
        // The watched ones not followed: until they have exited.
        const unfollowed = watched.filter((c) => !attached.some((a) => a.id === c.id));
        while (!signal.aborted && unfollowed.length > 0) {
          const states = await Promise.all(
            unfollowed.map((c) => getContainer(rt, c.id).catch(() => undefined)),
          );
          if (states.every((r) => r?.state !== "running")) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        others.abort();
      })(),
      print(
        attached.filter((c) => !ids.has(c.id)),
        { follow: true, signal: others.signal, width },
      ),
    ]);
  } finally {
    signal.removeEventListener("abort", end);
  }
}

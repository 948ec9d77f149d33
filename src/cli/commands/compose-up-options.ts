/**
 * `compose up`'s options beyond making the containers: `--wait` (until running or healthy),
 * `--abort-on-container-exit`, `--abort-on-container-failure` and `--exit-code-from`, which
 * services are followed (`--attach`, `--no-attach`, `--attach-dependencies`, `attach: false`), the
 * recreate and pull policies, `--timeout`; checked against each other in Compose's words.
 */
import type { Project, ServiceConfig } from "../../compose/index.js";
import { WharfError } from "../../errors/index.js";
import { type ContainerRecord, getContainer, type RuntimeContext } from "../../runtime/index.js";
import { flag } from "../command.js";
import type { Context } from "../context.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";
import type { progress } from "./compose-common.js";
import { abortStatus, stopForUp } from "./compose-hooks.js";

type Say = ReturnType<typeof progress>;

export const UP_FLAGS: FlagSpec[] = [
  {
    name: "abort-on-container-exit",
    type: "bool",
    description: "Stops all containers if any container was stopped. Incompatible with -d",
  },
  {
    name: "abort-on-container-failure",
    type: "bool",
    description: "Stops all containers if any container exited with failure. Incompatible with -d",
  },
  {
    name: "always-recreate-deps",
    type: "bool",
    description: "Recreate dependent containers. Incompatible with --no-recreate.",
  },
  {
    name: "attach",
    type: "strings",
    valueName: "stringArray",
    description: "Restrict attaching to the specified services. Incompatible with --attach-dependencies.",
  },
  {
    name: "attach-dependencies",
    type: "bool",
    description: "Automatically attach to log output of dependent services",
  },
  {
    name: "exit-code-from",
    type: "string",
    description: "Return the exit code of the selected service container. Implies --abort-on-container-exit",
  },
  {
    name: "no-attach",
    type: "strings",
    valueName: "stringArray",
    description: "Do not attach (stream logs) to the specified services",
  },
  {
    name: "no-recreate",
    type: "bool",
    description: "If containers already exist, don't recreate them. Incompatible with --force-recreate.",
  },
  {
    name: "pull",
    type: "string",
    default: "policy",
    description: 'Pull image before running ("always"|"missing"|"never")',
  },
  { name: "quiet-pull", type: "bool", description: "Pull without printing progress information" },
  {
    name: "timeout",
    short: "t",
    type: "int",
    description:
      "Use this timeout in seconds for container shutdown when attached or when containers are already running",
  },
  {
    name: "wait",
    type: "bool",
    description: "Wait for services to be running|healthy. Implies detached mode.",
  },
  {
    name: "wait-timeout",
    type: "int",
    description: "Maximum duration in seconds to wait for the project to be running|healthy",
  },
];

export interface UpOptions {
  detach: boolean;
  wait: boolean;
  /** Seconds; 0: none. */
  waitTimeout: number;
  /** `--abort-on-container-exit` (or `--exit-code-from`) or `--abort-on-container-failure`. */
  abort: boolean;
  /** `--abort-on-container-failure`: only a non-zero exit stops the others. */
  failureOnly: boolean;
  /** `--attach`: the services followed, as given; empty: those `up` names (or all). */
  attach: string[];
  noAttach: string[];
  attachDependencies: boolean;
  exitCodeFrom?: string;
  noRecreate: boolean;
  forceRecreate: boolean;
  recreateDeps: boolean;
  pull?: "always" | "missing" | "never";
  /** `--pull build`: build every service that has `build:`. */
  build: boolean;
  quietPull: boolean;
  timeout?: number;
}

function usage(message: string, hint: string): WharfError {
  return new WharfError("usage", message, { hint });
}

/** The options the flags ask for, refused together as Compose refuses them. */
export function upOptions(f: ParsedFlags, p: Project): UpOptions {
  const exitCodeFrom = flag.string(f, "exit-code-from") || undefined;
  const failureOnly = flag.bool(f, "abort-on-container-failure");
  // As Compose: --exit-code-from implies --abort-on-container-exit, unless on failure is asked.
  const onExit = flag.bool(f, "abort-on-container-exit") || (exitCodeFrom !== undefined && !failureOnly);
  const o: UpOptions = {
    detach: flag.bool(f, "detach"),
    wait: flag.bool(f, "wait"),
    waitTimeout: flag.int(f, "wait-timeout") ?? 0,
    abort: onExit || failureOnly,
    failureOnly,
    attach: flag.strings(f, "attach"),
    noAttach: flag.strings(f, "no-attach"),
    attachDependencies: flag.bool(f, "attach-dependencies"),
    ...(exitCodeFrom ? { exitCodeFrom } : {}),
    noRecreate: flag.bool(f, "no-recreate"),
    forceRecreate: flag.bool(f, "force-recreate"),
    recreateDeps: flag.bool(f, "always-recreate-deps"),
    build: flag.bool(f, "build"),
    quietPull: flag.bool(f, "quiet-pull"),
  };
  const timeout = flag.int(f, "timeout");
  if (timeout !== undefined) o.timeout = timeout;
  const pull = flag.string(f, "pull") ?? "policy";
  if (pull === "build") o.build = true;
  else if (pull === "always" || pull === "missing" || pull === "never") o.pull = pull;
  else if (pull !== "policy" && pull !== "")
    throw usage(`invalid --pull option "${pull}"`, "use --pull always, missing, never or build");
  if (onExit && failureOnly)
    throw usage(
      "--abort-on-container-failure cannot be combined with --abort-on-container-exit",
      "give one of them (--exit-code-from works with either)",
    );
  const attaching = o.attachDependencies || o.attach.length > 0;
  if (o.wait && (onExit || attaching))
    throw usage(
      "--wait cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies",
      "drop --wait (it implies --detach) or --abort-on-container-exit",
    );
  // --wait implies --detach, so that it is refused with --abort-on-container-failure in these words.
  if ((o.detach || o.wait) && (o.abort || attaching))
    throw usage(
      "--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --attach or --attach-dependencies",
      "drop -d to follow the containers and stop them when one exits",
    );
  if (o.forceRecreate && o.noRecreate)
    throw usage("--force-recreate and --no-recreate are incompatible", "give one of them");
  if (o.recreateDeps && o.noRecreate)
    throw usage("--always-recreate-deps and --no-recreate are incompatible", "give one of them");
  if (o.attach.length > 0 && o.attachDependencies)
    throw usage("cannot combine --attach and --attach-dependencies", "give one of them");
  if (exitCodeFrom && !p.services.some((s) => s.name === exitCodeFrom))
    throw new WharfError("not-found", `no such service: ${exitCodeFrom}`, {
      hint: "name a service of the project in --exit-code-from",
    });
  return o;
}

/**
 * The services whose output `up` prints, in the order they start (Compose's AttachTo): `--attach`'s
 * as given (each must be among those `up` runs: `cannot attach to services not included in up`),
 * else the services named (all when none is) and with `--attach-dependencies` those they depend on,
 * less those with `attach: false`; then less `--no-attach`'s.
 */
export function attachedServices(
  selected: readonly ServiceConfig[],
  names: readonly string[],
  o: Pick<UpOptions, "attach" | "noAttach" | "attachDependencies">,
): string[] {
  let want: Set<string>;
  if (o.attach.length > 0) {
    const known = new Set(selected.map((s) => s.name));
    const unexpected = [...new Set(o.attach)].filter((n) => !known.has(n));
    if (unexpected.length > 0)
      throw usage(
        `cannot attach to services not included in up: ${unexpected.join(", ")}`,
        "name in --attach the services up starts (those named and their dependencies)",
      );
    want = new Set(o.attach);
  } else {
    const base =
      names.length === 0 || o.attachDependencies ? selected : selected.filter((s) => names.includes(s.name));
    want = new Set(base.filter((s) => s.attach !== false).map((s) => s.name));
  }
  for (const n of o.noAttach) want.delete(n);
  return selected.filter((s) => want.has(s.name)).map((s) => s.name);
}

/**
 * The services whose exits `up` watches (`--abort-on-container-*`, `--exit-code-from`, and the end
 * of `up`): those named, else those attached; and those a ^C or an abort stops: those named, else
 * all (Compose leaves the dependencies of `up SERVICE` running).
 */
export function upScope(
  selected: readonly ServiceConfig[],
  names: readonly string[],
  attached: readonly string[],
): { watched: string[]; stopped: string[] } {
  if (names.length > 0) {
    const named = selected.filter((s) => names.includes(s.name)).map((s) => s.name);
    return { watched: named, stopped: named };
  }
  return { watched: [...attached], stopped: selected.map((s) => s.name) };
}

/** Go's Duration string of whole seconds (`1m30s`), as Compose prints `--wait-timeout`. */
function seconds(n: number): string {
  const m = Math.floor(n / 60);
  const h = Math.floor(m / 60);
  return `${h ? `${h}h` : ""}${h || m ? `${m % 60}m` : ""}${n % 60}s`;
}

/**
 * `--wait`: until every container runs, healthy when it has a health check (Compose's
 * `Waiting`/`Healthy` lines); an exited or unhealthy one, or the timeout, fails in Compose's words.
 */
export async function waitRunning(
  rt: RuntimeContext,
  containers: readonly ContainerRecord[],
  timeout: number,
  say: Say,
): Promise<void> {
  const deadline = timeout > 0 ? Date.now() + timeout * 1000 : Number.POSITIVE_INFINITY;
  for (const c of containers) say("Container", c.name, "Waiting");
  const pending = new Set(containers.map((c) => c.id));
  while (pending.size > 0) {
    for (const c of containers) {
      if (!pending.has(c.id)) continue;
      const rec = await getContainer(rt, c.id);
      const checked =
        rec.health !== undefined || (rec.options.healthcheck && rec.options.healthcheck.test?.[0] !== "NONE");
      if (rec.state !== "running") {
        throw new WharfError("conflict", `container ${rec.name} exited (${rec.exitCode})`, {
          hint: `wharf compose logs ${rec.options.labels?.["com.docker.compose.service"] ?? rec.name}`,
        });
      }
      if (rec.health?.Status === "unhealthy")
        throw new WharfError("conflict", `container ${rec.name} is unhealthy`, {
          hint: `wharf inspect -f '{{json .State.Health}}' ${rec.name}`,
        });
      if (!checked || rec.health?.Status === "healthy") {
        pending.delete(c.id);
        say("Container", c.name, "Healthy");
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline)
      throw new WharfError("timeout", `application not healthy after ${seconds(timeout)}`, {
        hint: "raise --wait-timeout, or see the health of the containers (wharf compose ps)",
      });
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The end of `up`'s watched containers (`upScope`), as Compose's monitor: each one's `NAME exited
 * with code N` when it exits, attached or not (`up --attach db app`: app's exit is printed, db's
 * not, db being attached but not watched); none once `stopped()` (^C). Resolves when every watched
 * one has exited (one removed counts, without a line) or on `stopped()`/`cancel`.
 * `--abort-on-container-exit`: the first watched one to exit stops `stopped`
 * (Compose's `Aborting on container exit...`), each after its `pre_stop` hooks as Compose's stop.
 * `--abort-on-container-failure`: the same on the first non-zero exit; a 0 exit stops nothing.
 * Resolves with the exit code `up` returns: that of `--exit-code-from`'s container (looked up in
 * `all`), else of the container that set off the abort (`abortStatus`: 1 for a failed hook when
 * that is 0); 0 when every watched container ended without setting it off.
 */
export function watchExits(
  ctx: Context,
  rt: RuntimeContext,
  p: Project,
  scope: {
    watched: readonly ContainerRecord[];
    stopped: readonly ContainerRecord[];
    all: readonly ContainerRecord[];
  },
  o: UpOptions,
  say: Say,
  stopped: () => boolean,
  more: {
    /** A container's record, undefined once removed (the runtime's; a stand-in in tests). */
    inspect?: (id: string) => Promise<ContainerRecord | undefined>;
    pollMs?: number;
    /** Resolves once a followed container's logs have all been printed: its line comes after them. */
    drained?: (id: string) => Promise<void>;
  } = {},
): { done: Promise<number>; cancel: () => void } {
  const inspect = more.inspect ?? ((id: string) => getContainer(rt, id).catch(() => undefined));
  const pollMs = more.pollMs ?? 200;
  const drained = more.drained;
  let cancelled = false;
  const seen = new Map<string, number>();
  const { watched } = scope;
  const done = (async () => {
    let first: ContainerRecord | undefined;
    while (!cancelled && !first && seen.size < watched.length && !stopped()) {
      for (const c of watched) {
        if (seen.has(c.id)) continue;
        const rec = await inspect(c.id);
        if (stopped()) break;
        // Removed meanwhile (rm, a watch rebuild's recreate): its end is not known, no line.
        if (!rec) seen.set(c.id, 0);
        else if (rec.state === "exited") {
          seen.set(rec.id, rec.exitCode);
          // Its last lines first (bounded: a stream that does not end holds nothing up for long).
          if (drained) await Promise.race([drained(rec.id), new Promise((r) => setTimeout(r, 2000).unref())]);
          if (stopped()) break;
          ctx.out(`${rec.name} exited with code ${rec.exitCode}`);
          if (o.abort && (!o.failureOnly || rec.exitCode !== 0)) first ??= rec;
        }
      }
      if (!first && seen.size < watched.length && !stopped()) await new Promise((r) => setTimeout(r, pollMs));
    }
    if (stopped()) return 0;
    const from = o.exitCodeFrom
      ? scope.all.find((c) => c.options.labels?.["com.docker.compose.service"] === o.exitCodeFrom)
      : first;
    if (!first) {
      // None set it off (--abort-on-container-failure, all exited 0): --exit-code-from's code, else 0.
      const rec = o.exitCodeFrom && from ? await inspect(from.id) : undefined;
      return rec?.state === "exited" ? rec.exitCode : 0;
    }
    ctx.out("Aborting on container exit...");
    // As Compose's stop: each running one's pre_stop hooks, then its stop signal and grace period.
    let hookFailed = false;
    for (const c of [...scope.stopped].reverse()) {
      const rec = await inspect(c.id);
      if (rec?.state !== "running") continue;
      if (!(await stopForUp(ctx, rt, p, c, o.timeout, say))) hookFailed = true;
    }
    const rec = from ? await inspect(from.id) : undefined;
    return abortStatus(rec?.exitCode ?? 0, hookFailed);
  })();
  return {
    done,
    cancel: () => {
      cancelled = true;
    },
  };
}

/**
 * The parts of Docker's container inspect document and `ps` status that the lifecycle features
 * fill: State (paused, restarting, health), HostConfig (restart policy, init, ulimits, devices,
 * privileged, log config), Mounts with volume names and sources, Config's health check.
 */
import { join } from "node:path";
import { healthConfigOf, healthSuffix, mergedHealthcheck } from "./health-config.js";
import { restartPolicyText } from "./restart.js";
import { containerDir } from "./store.js";
import type { ContainerRecord, MountSpec, RuntimeContext } from "./types.js";

/** Docker's `State.Status`: created, running, paused, restarting or exited. */
export function dockerState(rec: ContainerRecord): string {
  if (rec.restarting) return "restarting";
  if (rec.state === "running" && rec.paused) return "paused";
  return rec.state;
}

/** The status words `ps` shows for the states the record alone does not say, or undefined. */
export function extraStatus(
  rec: ContainerRecord,
  ago: (ms: number) => string,
  now: number,
): string | undefined {
  if (rec.restarting) return `Restarting (${rec.exitCode}) ${ago(now - Date.parse(rec.finishedAt))} ago`;
  if (rec.state === "running" && rec.paused) return `Up ${ago(now - Date.parse(rec.startedAt))} (Paused)`;
  if (rec.state === "running" && rec.health)
    return `Up ${ago(now - Date.parse(rec.startedAt))}${healthSuffix(rec)}`;
  return undefined;
}

export function stateExtras(rec: ContainerRecord): Record<string, unknown> {
  return {
    Status: dockerState(rec),
    Paused: rec.state === "running" && rec.paused === true,
    Restarting: rec.restarting === true,
    ...(healthConfigOf(rec)
      ? { Health: rec.health ?? { Status: "starting", FailingStreak: 0, Log: [] } }
      : {}),
  };
}

/**
 * `HostConfig.Mounts` as Docker echoes the request's `--mount`s: here the image mounts only
 * (`Type: "image"`, `ReadOnly`, `ImageOptions.Subpath`); absent when there are none.
 */
function imageMountsRequested(mounts: readonly MountSpec[]): Record<string, unknown> {
  const images = mounts.filter((m) => m.type === "image");
  if (images.length === 0) return {};
  return {
    Mounts: images.map((m) => ({
      Type: "image",
      Source: m.source,
      Target: m.destination,
      ReadOnly: true,
      ...(m.image?.subpath ? { ImageOptions: { Subpath: m.image.subpath } } : {}),
    })),
  };
}

export function hostConfigExtras(rec: ContainerRecord): Record<string, unknown> {
  const o = rec.options;
  const logConfig: Record<string, string> = { ...(o.logOpts?.syslog ?? {}) };
  if (o.logOpts?.driver !== "syslog") {
    if (o.logOpts?.maxSize !== undefined) logConfig["max-size"] = String(o.logOpts.maxSize);
    if (o.logOpts?.maxFile !== undefined) logConfig["max-file"] = String(o.logOpts.maxFile);
  }
  return {
    Binds: (o.mounts ?? [])
      .filter((m) => !m.from && (m.type === "bind" || (m.type === "volume" && !m.anonymous)))
      .map((m) => `${m.source}:${m.destination}${m.readOnly ? ":ro" : ""}`),
    LogConfig: { Type: o.logOpts?.driver ?? "json-file", Config: logConfig },
    RestartPolicy: restartPolicyText(o.restart),
    Privileged: o.privileged === true,
    Init: o.init === true ? true : null,
    Ulimits: o.ulimits?.map((u) => ({ Name: u.name, Hard: u.hard, Soft: u.soft })) ?? null,
    Devices: (o.devices ?? []).map((d) => ({
      PathOnHost: d.pathOnHost,
      PathInContainer: d.pathInContainer,
      CgroupPermissions: d.permissions,
    })),
    Runtime: "runc",
    ConsoleSize: o.consoleSize ?? [0, 0],
    ...imageMountsRequested(o.mounts ?? []),
  };
}

/** `Mounts` as Docker lists them: volumes with their names, drivers and sources on the host. */
export function mountsOf(ctx: RuntimeContext, rec: ContainerRecord): Record<string, unknown>[] {
  return (rec.options.mounts ?? [])
    .filter((m) => m.type !== "tmpfs")
    .map((m) => {
      if (m.type === "image") {
        // Docker 28: the image as named, read-only, no propagation of its own.
        return {
          Type: "image",
          Source: m.source,
          Destination: m.destination,
          Mode: "",
          RW: false,
          Propagation: "rprivate",
        };
      }
      if (m.type === "bind") {
        return {
          Type: "bind",
          Source: m.source,
          Destination: m.destination,
          Mode: m.readOnly ? "ro" : "",
          RW: !m.readOnly,
          Propagation: m.options?.find((x) => /(private|shared|slave)$/.test(x)) ?? "rprivate",
        };
      }
      const source =
        m.source === ""
          ? join(containerDir(ctx, rec.id), "volumes")
          : join(ctx.root, "volumes", m.source, "_data");
      return {
        Type: "volume",
        Name: m.source,
        Source: source,
        Destination: m.destination,
        Driver: "local",
        Mode: m.readOnly ? "ro" : "",
        RW: !m.readOnly,
        Propagation: "",
      };
    });
}

export function configExtras(rec: ContainerRecord): Record<string, unknown> {
  const h = mergedHealthcheck(rec);
  return {
    ...(h
      ? {
          Healthcheck: {
            Test: h.test ?? [],
            ...(h.interval ? { Interval: h.interval } : {}),
            ...(h.timeout ? { Timeout: h.timeout } : {}),
            ...(h.startPeriod ? { StartPeriod: h.startPeriod } : {}),
            ...(h.startInterval ? { StartInterval: h.startInterval } : {}),
            ...(h.retries ? { Retries: h.retries } : {}),
          },
        }
      : {}),
    ...(rec.options.stopTimeout !== undefined ? { StopTimeout: rec.options.stopTimeout } : {}),
  };
}

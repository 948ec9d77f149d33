import type { HealthConfig } from "./extras-types.js";
import type { ContainerRecord } from "./types.js";

/** A health check with Docker's defaults applied (milliseconds). */
export interface EffectiveHealth {
  argv: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
}

const NS_PER_MS = 1_000_000;

/** The container's `Config.Healthcheck` (Docker's merge: the run options over the image's, field by field). */
export function mergedHealthcheck(rec: ContainerRecord): HealthConfig | undefined {
  const img = rec.imageConfig.Healthcheck;
  const o = rec.options.healthcheck;
  if (!img && !o) return undefined;
  const pick = (a: number | undefined, b: number | undefined) => (a !== undefined && a > 0 ? a : b);
  const out: HealthConfig = {};
  const test = o?.test && o.test.length > 0 ? o.test : img?.Test;
  if (test) out.test = test;
  const set = (k: keyof Omit<HealthConfig, "test">, v: number | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set("interval", pick(o?.interval, img?.Interval));
  set("timeout", pick(o?.timeout, img?.Timeout));
  set("startPeriod", pick(o?.startPeriod, img?.StartPeriod));
  set("startInterval", o?.startInterval);
  set("retries", pick(o?.retries, img?.Retries));
  return out;
}

/**
 * The check a container runs, or undefined when it has none (no test, or `NONE`):
 * `CMD` runs its arguments, `CMD-SHELL` its string with `/bin/sh -c`.
 */
export function healthConfigOf(rec: ContainerRecord): EffectiveHealth | undefined {
  const h = mergedHealthcheck(rec);
  const [kind, ...rest] = h?.test ?? [];
  if (!h || kind === undefined || kind === "NONE") return undefined;
  const argv = kind === "CMD" ? rest : kind === "CMD-SHELL" ? ["/bin/sh", "-c", rest.join(" ")] : [];
  if (argv.length === 0) return undefined;
  const ms = (ns: number | undefined, dflt: number) => (ns !== undefined && ns > 0 ? ns / NS_PER_MS : dflt);
  return {
    argv,
    intervalMs: ms(h.interval, 30_000),
    timeoutMs: ms(h.timeout, 30_000),
    startPeriodMs: ms(h.startPeriod, 0),
    startIntervalMs: ms(h.startInterval, 5_000),
    retries: h.retries !== undefined && h.retries > 0 ? h.retries : 3,
  };
}

/** The words `ps` adds to a running container's status: ` (healthy)`, ` (health: starting)`. */
export function healthSuffix(rec: ContainerRecord): string {
  const s = rec.health?.Status;
  if (rec.state !== "running" || !s) return "";
  return s === "starting" ? " (health: starting)" : ` (${s})`;
}

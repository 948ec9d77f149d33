import { type CommandLine, exposedPorts, type Instruction, type KeyValue } from "../dockerfile/index.js";
import { WharfError } from "../errors/index.js";
import type { ContainerConfig, HistoryEntry } from "../oci/index.js";
import { goList, goPortSet, goQuoteList, HISTORY_COMMENT, healthcheckHistory } from "./history.js";
import { rfc3339 } from "./time.js";
import type { StageState } from "./types.js";

export const DEFAULT_SHELL = ["/bin/sh", "-c"];
export const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Sets `key` in an env list, replacing the variable of that name (Docker's addEnv). */
export function addEnv(env: readonly string[], key: string, value: string): string[] {
  const out = [...env];
  const i = out.findIndex((e) => e.split("=", 1)[0] === key);
  if (i >= 0) out[i] = `${key}=${value}`;
  else out.push(`${key}=${value}`);
  return out;
}

/** A CMD, ENTRYPOINT or RUN as argv: exec form as written, shell form through SHELL. */
export function commandArgv(cmd: CommandLine, shell: readonly string[] | undefined): string[] {
  if (cmd.form === "exec") return [...cmd.args];
  return [...(shell && shell.length > 0 ? shell : DEFAULT_SHELL), cmd.script];
}

/**
 * Appends a history entry; its time is the epoch, else the last layer's (BuildKit's rule). One
 * before the stage's first layer (a `FROM scratch` stage's ARG or ENV) has none yet: finalConfig
 * gives it the next layer's, so that a cached rebuild keeps the image ID.
 */
export function addHistory(
  state: StageState,
  createdBy: string,
  o: { layer: boolean; created?: string; epoch?: Date; now: Date },
): void {
  const created = o.epoch ? rfc3339(o.epoch) : (o.created ?? state.time);
  const h: HistoryEntry = {
    ...(created !== undefined ? { created } : {}),
    created_by: createdBy,
    comment: HISTORY_COMMENT,
  };
  if (!o.layer) h.empty_layer = true;
  state.config = { ...state.config, history: [...(state.config.history ?? []), h] };
}

function pairs(kv: readonly KeyValue[]): string {
  return kv.map((p) => `${p.key}=${p.value}`).join(" ");
}

const SIGNAL = /^(SIG)?[A-Z0-9+-]+$|^[0-9]+$/;

/**
 * Applies a metadata instruction (already expanded) to the stage's image config and history, as
 * BuildKit's dispatch does; returns false for the instructions that are not metadata (RUN, COPY,
 * ADD, WORKDIR, ARG, FROM).
 */
export function applyMeta(
  state: StageState,
  inst: Instruction,
  o: { epoch?: Date; now: Date; cmdSet: { value: boolean } },
): boolean {
  const c: ContainerConfig = { ...(state.config.config ?? {}) };
  let history: string | undefined;
  switch (inst.kind) {
    case "ENV":
      for (const p of inst.pairs) c.Env = addEnv(c.Env ?? [], p.key, p.value);
      history = `ENV ${pairs(inst.pairs)}`;
      break;
    case "LABEL":
      c.Labels = { ...(c.Labels ?? {}) };
      for (const p of inst.pairs) c.Labels[p.key] = p.value;
      history = `LABEL ${pairs(inst.pairs)}`;
      break;
    case "USER":
      c.User = inst.user;
      history = `USER ${inst.user}`;
      break;
    case "EXPOSE": {
      const ports = inst.ports.flatMap((p) => exposedPorts(p));
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      for (const p of ports) c.ExposedPorts[p] = {};
      history = `EXPOSE ${goPortSet(ports)}`;
      break;
    }
    case "VOLUME":
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const v of inst.paths) c.Volumes[v] = {};
      history = `VOLUME ${goList(inst.paths)}`;
      break;
    case "STOPSIGNAL":
      if (!SIGNAL.test(inst.signal)) {
        throw new WharfError("invalid-argument", `failed to parse signal: ${inst.signal}`, {
          hint: "write a signal name (SIGTERM) or number (15)",
        });
      }
      c.StopSignal = inst.signal;
      history = `STOPSIGNAL ${inst.signal}`;
      break;
    case "SHELL":
      c.Shell = [...inst.shell];
      history = `SHELL ${goList(inst.shell)}`;
      break;
    case "MAINTAINER":
      state.config = { ...state.config, author: inst.maintainer };
      history = `MAINTAINER ${inst.maintainer}`;
      break;
    case "CMD": {
      const argv = commandArgv(inst.command, c.Shell);
      c.Cmd = argv;
      c.ArgsEscaped = true;
      o.cmdSet.value = true;
      history = `CMD ${goQuoteList(argv)}`;
      break;
    }
    case "ENTRYPOINT": {
      const argv = commandArgv(inst.command, c.Shell);
      c.Entrypoint = argv;
      // ENTRYPOINT resets a CMD inherited from the base image (not one set in this stage).
      if (!o.cmdSet.value) c.Cmd = null;
      history = `ENTRYPOINT ${goQuoteList(argv)}`;
      break;
    }
    case "HEALTHCHECK": {
      c.Healthcheck = {
        Test: [...inst.test],
        ...(inst.interval ? { Interval: inst.interval } : {}),
        ...(inst.timeout ? { Timeout: inst.timeout } : {}),
        ...(inst.startPeriod ? { StartPeriod: inst.startPeriod } : {}),
        ...(inst.startInterval ? { StartInterval: inst.startInterval } : {}),
        ...(inst.retries ? { Retries: inst.retries } : {}),
      };
      history = healthcheckHistory({ ...c.Healthcheck, StartInterval: inst.startInterval ?? 0 });
      break;
    }
    case "ONBUILD":
      c.OnBuild = [...(c.OnBuild ?? []), inst.expression];
      break;
    default:
      return false;
  }
  state.config = { ...state.config, config: c };
  if (history !== undefined) addHistory(state, history, { layer: false, ...o });
  return true;
}

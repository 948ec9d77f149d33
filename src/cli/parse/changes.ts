/**
 * `commit -c` and `import -c`: Dockerfile instructions applied to an image config, as Docker's
 * daemon does (`BuildFromConfig`, the classic builder's dispatchers). The instructions are read by
 * the one Dockerfile parser (`dockerfile/`); only their effect on the config is here.
 */
import {
  type CommandLine,
  expandInstruction,
  exposedPorts,
  type Instruction,
  parseDockerfile,
  parseOnbuildTrigger,
} from "../../dockerfile/index.js";
import { WharfError } from "../../errors/index.js";
import type { ContainerConfig } from "../../oci/index.js";

/** The instructions Docker accepts as a change (moby's `validCommitCommands`). */
const VALID = new Set([
  "CMD",
  "ENTRYPOINT",
  "HEALTHCHECK",
  "ENV",
  "EXPOSE",
  "LABEL",
  "ONBUILD",
  "USER",
  "VOLUME",
  "WORKDIR",
]);

const SOURCE = "--change";

/** One change line parsed: the one instruction it holds. */
function parseChange(line: string): Instruction {
  const m = /^\s*(\S+)(?:\s+([\s\S]*))?$/.exec(line);
  const word = m?.[1] ?? "";
  if (word === "") {
    throw new WharfError("invalid-argument", "an empty change", {
      hint: "a change is one Dockerfile instruction, e.g. -c 'CMD [\"sh\"]'",
    });
  }
  if (!VALID.has(word.toUpperCase())) {
    throw new WharfError("invalid-argument", `${word.toLowerCase()} is not a valid change command`, {
      hint: `a change is one of ${[...VALID].join(", ")}`,
    });
  }
  if (word.toUpperCase() === "ONBUILD") {
    const expression = (m?.[2] ?? "").trim();
    // The trigger is checked as a child build would read it; the config keeps its text.
    const trigger = parseOnbuildTrigger(expression, { file: SOURCE });
    return {
      kind: "ONBUILD",
      expression,
      trigger,
      location: trigger.location,
      original: line.trim(),
    } as Instruction;
  }
  const df = parseDockerfile(`FROM scratch\n${line}`, { file: SOURCE });
  const insts = df.stages[0]?.instructions ?? [];
  if (insts.length !== 1 || insts[0] === undefined) {
    throw new WharfError("invalid-argument", `a change must be exactly one instruction: ${line}`, {
      hint: "give each instruction its own -c",
    });
  }
  return insts[0];
}

/** Parses every change up front, so that a bad one fails before anything is done. */
export function parseChanges(lines: readonly string[]): Instruction[] {
  return lines.map(parseChange);
}

const DEFAULT_SHELL = ["/bin/sh", "-c"];

function argv(cmd: CommandLine, shell: readonly string[] | undefined): string[] {
  if (cmd.form === "exec") return [...cmd.args];
  return [...(shell && shell.length > 0 ? shell : DEFAULT_SHELL), cmd.script];
}

function setEnv(env: readonly string[], key: string, value: string): string[] {
  const out = [...env];
  const i = out.findIndex((e) => e.split("=", 1)[0] === key);
  if (i >= 0) out[i] = `${key}=${value}`;
  else out.push(`${key}=${value}`);
  return out;
}

/** The classic builder's WORKDIR: relative to the current one, cleaned. */
function workdir(current: string | undefined, requested: string): string {
  const joined = requested.startsWith("/") ? requested : `${current || "/"}/${requested}`;
  const parts: string[] = [];
  for (const p of joined.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return `/${parts.join("/")}`;
}

function lookupIn(env: readonly string[] | undefined): (name: string) => string | undefined {
  return (name) => {
    for (let i = (env ?? []).length - 1; i >= 0; i--) {
      const e = (env as string[])[i] as string;
      const at = e.indexOf("=");
      if ((at < 0 ? e : e.slice(0, at)) === name) return at < 0 ? "" : e.slice(at + 1);
    }
    return undefined;
  };
}

/**
 * Applies parsed changes to a config, in order (a copy is returned). ENV, LABEL, EXPOSE, USER,
 * VOLUME and WORKDIR are expanded against the config's environment as it is at that change;
 * ENTRYPOINT drops a Cmd that no earlier change set, as in a Dockerfile.
 */
export function applyChanges(config: ContainerConfig, changes: readonly Instruction[]): ContainerConfig {
  const c: ContainerConfig = structuredClone(config);
  let cmdSet = false;
  for (const raw of changes) {
    const inst = raw.kind === "ONBUILD" ? raw : expandInstruction(raw, lookupIn(c.Env));
    switch (inst.kind) {
      case "CMD":
        c.Cmd = argv(inst.command, c.Shell);
        cmdSet = true;
        break;
      case "ENTRYPOINT":
        c.Entrypoint = argv(inst.command, c.Shell);
        if (!cmdSet) c.Cmd = null;
        break;
      case "ENV":
        for (const p of inst.pairs) c.Env = setEnv(c.Env ?? [], p.key, p.value);
        break;
      case "LABEL":
        c.Labels = { ...(c.Labels ?? {}) };
        for (const p of inst.pairs) c.Labels[p.key] = p.value;
        break;
      case "EXPOSE":
        c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
        for (const p of inst.ports.flatMap((x) => exposedPorts(x))) c.ExposedPorts[p] = {};
        break;
      case "USER":
        c.User = inst.user;
        break;
      case "VOLUME":
        c.Volumes = { ...(c.Volumes ?? {}) };
        for (const v of inst.paths) {
          if (v.trim() === "") {
            throw new WharfError("invalid-argument", "VOLUME specified can not be an empty string");
          }
          c.Volumes[v] = {};
        }
        break;
      case "WORKDIR":
        c.WorkingDir = workdir(c.WorkingDir, inst.path);
        break;
      case "ONBUILD":
        c.OnBuild = [...(c.OnBuild ?? []), inst.expression];
        break;
      case "HEALTHCHECK":
        c.Healthcheck = {
          Test: [...inst.test],
          ...(inst.interval ? { Interval: inst.interval } : {}),
          ...(inst.timeout ? { Timeout: inst.timeout } : {}),
          ...(inst.startPeriod ? { StartPeriod: inst.startPeriod } : {}),
          ...(inst.retries ? { Retries: inst.retries } : {}),
        };
        break;
      default:
        throw new WharfError("invalid-argument", `${inst.kind.toLowerCase()} is not a valid change command`);
    }
  }
  return c;
}

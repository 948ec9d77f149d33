import { WharfError } from "../../errors/index.js";
import type { MountSpec, RunOptions } from "../../runtime/index.js";
import { flag } from "../command.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";
import { parseCpus, parseMemory, parseSizeFlag } from "../parse/bytes.js";
import { expandEnvArg, readEnvFile } from "../parse/env.js";
import { parseMountFlag, parseTmpfsFlag, parseVolumeFlag } from "../parse/mounts.js";
import { normalizeCaps, parseSecurityOpts } from "../parse/security.js";
import { configProxyVars } from "./config-proxies.js";
import { extraRunOptions, RUN_EXTRA_FLAGS } from "./container-flags-extra.js";
import { nsRunOptions, RUN_NS_FLAGS } from "./container-flags-ns.js";
import { apiSocketRefusal, REFUSED_RUN_FLAGS } from "./container-flags-refused.js";
import { RUN_RESOURCE_FLAGS, resourceRunOptions } from "./container-flags-resources.js";
import { daemonDocument } from "./daemon-config.js";
import { NETWORK_RUN_FLAGS, networkOptionsOf } from "./network-flags.js";
import { INSECURE_FLAG } from "./registry-options.js";
import { TRUST_FLAGS } from "./trust-flags.js";

/** The flags of `run` (and `create`) that wharf implements, as Docker's CLI names them. */
export const RUN_FLAGS: FlagSpec[] = [
  {
    name: "detach",
    short: "d",
    type: "bool",
    description: "Run container in background and print container ID",
  },
  { name: "interactive", short: "i", type: "bool", description: "Keep STDIN open even if not attached" },
  { name: "tty", short: "t", type: "bool", description: "Allocate a pseudo-TTY" },
  { name: "rm", type: "bool", description: "Automatically remove the container when it exits" },
  { name: "name", type: "string", description: "Assign a name to the container" },
  { name: "env", short: "e", type: "strings", valueName: "list", description: "Set environment variables" },
  {
    name: "env-file",
    type: "strings",
    valueName: "list",
    description: "Read in a file of environment variables",
  },
  { name: "workdir", short: "w", type: "string", description: "Working directory inside the container" },
  {
    name: "user",
    short: "u",
    type: "string",
    description: "Username or UID (format: <name|uid>[:<group|gid>])",
  },
  { name: "hostname", short: "h", type: "string", description: "Container host name" },
  { name: "entrypoint", type: "string", description: "Overwrite the default ENTRYPOINT of the image" },
  { name: "read-only", type: "bool", description: "Mount the container's root filesystem as read only" },
  { name: "volume", short: "v", type: "strings", valueName: "list", description: "Bind mount a volume" },
  {
    name: "mount",
    type: "strings",
    valueName: "mount",
    description: "Attach a filesystem mount to the container",
  },
  { name: "tmpfs", type: "strings", valueName: "list", description: "Mount a tmpfs directory" },
  {
    name: "network",
    type: "string",
    valueName: "network",
    description: "Connect a container to a network",
  },
  { name: "net", type: "string", hidden: true, description: "Connect a container to a network" },
  { name: "memory", short: "m", type: "string", valueName: "bytes", description: "Memory limit" },
  { name: "cpus", type: "string", valueName: "decimal", description: "Number of CPUs" },
  { name: "pids-limit", type: "int", description: "Tune container pids limit (set -1 for unlimited)" },
  { name: "cap-add", type: "strings", valueName: "list", description: "Add Linux capabilities" },
  { name: "cap-drop", type: "strings", valueName: "list", description: "Drop Linux capabilities" },
  { name: "security-opt", type: "strings", valueName: "list", description: "Security Options" },
  {
    name: "label",
    short: "l",
    type: "strings",
    valueName: "list",
    description: "Set meta data on a container",
  },
  { name: "stop-signal", type: "string", description: "Signal to stop the container" },
  { name: "stop-timeout", type: "int", description: "Timeout (in seconds) to stop a container" },
  {
    name: "pull",
    type: "string",
    default: "missing",
    description: 'Pull image before running ("always", "missing", "never")',
  },
  {
    name: "platform",
    type: "string",
    envDefault: "DOCKER_DEFAULT_PLATFORM",
    description: "Set platform if server is multi-platform capable",
  },
  INSECURE_FLAG,
  ...TRUST_FLAGS,
  ...RUN_EXTRA_FLAGS,
  ...NETWORK_RUN_FLAGS,
  ...RUN_RESOURCE_FLAGS,
  ...RUN_NS_FLAGS,
  ...REFUSED_RUN_FLAGS,
];

export { parseMemory };

/** `--network`: Docker's network mode (the network itself is looked up when the container is made). */
function networkOf(f: ParsedFlags): string | undefined {
  const n = flag.string(f, "network") ?? flag.string(f, "net");
  return n === undefined || n === "" || n === "default" ? undefined : n;
}

/** The run options a command line asks for (without the image and its arguments). */
export async function runOptionsOf(
  f: ParsedFlags,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<RunOptions> {
  const refused = apiSocketRefusal(f);
  if (refused) throw refused;
  const vars: string[] = [];
  for (const file of flag.strings(f, "env-file")) vars.push(...(await readEnvFile(file, env)));
  for (const e of flag.strings(f, "env")) {
    const v = expandEnvArg(e, env);
    if (v !== undefined) vars.push(v);
  }
  // The docker CLI's config.json proxies, for the variables the command line did not set.
  const named = new Set(vars.map((v) => v.split("=")[0]));
  vars.push(...configProxyVars(env, (n) => named.has(n)));
  const mounts: MountSpec[] = [
    ...flag.strings(f, "volume").map((v) => parseVolumeFlag(v)),
    ...flag.strings(f, "mount").map((v) => parseMountFlag(v)),
    ...flag.strings(f, "tmpfs").map((v) => parseTmpfsFlag(v)),
  ];
  const labels: Record<string, string> = {};
  for (const l of flag.strings(f, "label")) {
    const i = l.indexOf("=");
    labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? "" : l.slice(i + 1);
  }
  const entrypoint = flag.string(f, "entrypoint");
  const memory = flag.string(f, "memory");
  const cpus = flag.string(f, "cpus");
  const cpuCount = cpus === undefined ? undefined : parseCpus(cpus);
  if (cpuCount !== undefined && !(cpuCount >= 0))
    throw new WharfError("invalid-argument", `invalid argument "${cpus}" for "--cpus" flag`);
  const network = networkOf(f);
  const o: RunOptions = {
    args,
    env: vars,
    tty: flag.bool(f, "tty"),
    interactive: flag.bool(f, "interactive"),
    readOnly: flag.bool(f, "read-only"),
    autoRemove: flag.bool(f, "rm"),
    mounts,
    labels,
  };
  if (entrypoint !== undefined) o.entrypoint = entrypoint === "" ? [] : [entrypoint];
  const set = <K extends keyof RunOptions>(k: K, v: RunOptions[K] | undefined) => {
    if (v !== undefined) o[k] = v;
  };
  set("workdir", flag.string(f, "workdir"));
  set("user", flag.string(f, "user"));
  set("hostname", flag.string(f, "hostname"));
  set("network", network);
  set("memory", memory === undefined ? undefined : parseSizeFlag(memory, "-m, --memory"));
  set("cpus", cpuCount);
  set("pidsLimit", flag.int(f, "pids-limit"));
  set("stopSignal", flag.string(f, "stop-signal"));
  set("stopTimeout", flag.int(f, "stop-timeout"));
  const capAdd = normalizeCaps(flag.strings(f, "cap-add"), "CapAdd");
  const capDrop = normalizeCaps(flag.strings(f, "cap-drop"), "CapDrop");
  if (capAdd.length > 0) o.capAdd = capAdd;
  if (capDrop.length > 0) o.capDrop = capDrop;
  Object.assign(o, parseSecurityOpts(flag.strings(f, "security-opt")));
  Object.assign(o, extraRunOptions(f));
  Object.assign(o, await resourceRunOptions(f));
  Object.assign(o, networkOptionsOf(f, network));
  Object.assign(o, await nsRunOptions(f));
  // Docker's daemon.json defaults for what the command line did not say (read only when it exists).
  const daemon = daemonDocument(env);
  if (daemon) {
    const { containerDefaults, withContainerDefaults } = await import("./daemon-defaults.js");
    withContainerDefaults(o, f, containerDefaults(daemon));
  }
  if (o.hostname !== undefined && (network === "host" || network?.startsWith("container:"))) {
    throw new WharfError("invalid-argument", "Conflicting options: hostname and the network mode");
  }
  return o;
}

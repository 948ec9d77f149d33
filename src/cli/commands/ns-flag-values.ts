/**
 * The values of `container-flags-ns.ts`'s flags, read and checked as Docker's CLI (`opts/parse.go`)
 * and daemon (`runconfig`) check them, before anything is made: the modes' grammar, the sysctls
 * Docker allows and the namespaces they need, the flags' conflicts, `--label-file`'s lines, and a
 * refusal, with what to do instead, for each flag wharf cannot honour on this host.
 */
import { readFileSync } from "node:fs";
import { errnoCode, WharfError } from "../../errors/index.js";
import type { NsRunOptions } from "../../runtime/index.js";
import { flag } from "../command.js";
import type { ParsedFlags } from "../flags.js";
import { parseMemory } from "../parse/bytes.js";

function bad(message: string, hint: string): WharfError {
  return new WharfError("invalid-argument", message, { hint });
}

/** Docker's `MapOpts.Set`: `KEY=VALUE`, a bare `KEY` is `""`. */
function toMap(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf("=");
    out[i < 0 ? kv : kv.slice(0, i)] = i < 0 ? "" : kv.slice(i + 1);
  }
  return out;
}

/** Docker's `ValidateSysctl`: the IPC namespace's sysctls, and `net.*`, `fs.mqueue.*`. */
const IPC_SYSCTLS = new Set([
  "kernel.msgmax",
  "kernel.msgmnb",
  "kernel.msgmni",
  "kernel.sem",
  "kernel.shmall",
  "kernel.shmmax",
  "kernel.shmmni",
  "kernel.shm_rmid_forced",
]);

export function checkSysctl(kv: string): void {
  const key = kv.split("=")[0] ?? "";
  const ok =
    kv.includes("=") && (IPC_SYSCTLS.has(key) || key.startsWith("net.") || key.startsWith("fs.mqueue."));
  if (!ok) {
    throw bad(
      `invalid argument "${kv}" for "--sysctl" flag: sysctl '${kv}' is not allowed`,
      "only namespaced sysctls can be set in a container: kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.* and net.*",
    );
  }
}

/** The sysctls, checked against the namespaces the container gets (runc's refusals, said early). */
function sysctlsOf(f: ParsedFlags, network: string | undefined, ipc: string | undefined) {
  const list = flag.strings(f, "sysctl");
  if (list.length === 0) return undefined;
  for (const kv of list) checkSysctl(kv);
  const map = toMap(list);
  for (const key of Object.keys(map)) {
    if (key.startsWith("net.") && network === "host") {
      throw bad(
        `sysctl "${key}" not allowed in host network namespace`,
        "a net.* sysctl needs a network namespace of the container's own: drop --network host, or set it on the host",
      );
    }
    if (!key.startsWith("net.") && ipc === "host") {
      throw bad(
        `sysctl "${key}" is not allowed in the hosts ipc namespace`,
        "an IPC sysctl needs an IPC namespace of the container's own: drop --ipc host, or set it on the host",
      );
    }
  }
  return map;
}

const containerMode = (m: string) => m.startsWith("container:") && m.length > "container:".length;

function modeOf(f: ParsedFlags, name: string, valid: (m: string) => boolean, what: string, hint: string) {
  const m = flag.string(f, name);
  if (m === undefined || m === "") return undefined;
  if (!valid(m)) throw bad(`--${name}: invalid ${what} mode`, hint);
  return m;
}

/** Docker's `ReadKVStrings` over a `--label-file`: a label a line, `#` comments and blank lines skipped. */
export function parseLabelFile(text: string, path: string): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.replace(/^\s+/, "");
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    const key = eq < 0 ? line : line.slice(0, eq);
    if (key === "") throw bad(`no variable name on line '${line}'`, `each line of ${path} is KEY=VALUE`);
    if (/\s/.test(key)) {
      throw bad(
        `variable '${key}' contains whitespaces`,
        `each line of ${path} is KEY=VALUE, no spaces in KEY`,
      );
    }
    out.push(line);
  }
  return out;
}

function readLabelFile(path: string): string[] {
  try {
    return parseLabelFile(readFileSync(path, "utf8"), path);
  } catch (e) {
    if (e instanceof WharfError) throw e;
    const code = errnoCode(e);
    throw bad(
      `open ${path}: ${code === "ENOENT" ? "no such file or directory" : (e as Error).message}`,
      "give --label-file a readable file of KEY=VALUE lines",
    );
  }
}

/** The labels of `--label-file` then `-l` (the flags win, as Docker's ReadKVStrings). */
function labelsOf(f: ParsedFlags): Record<string, string> | undefined {
  const files = flag.strings(f, "label-file");
  if (files.length === 0) return undefined;
  return toMap([...files.flatMap(readLabelFile), ...flag.strings(f, "label")]);
}

/** Flags Docker has that need what this host or wharf lacks: refused, never ignored. */
function refuseUnsupported(f: ParsedFlags): void {
  const given = (n: string) => f.given.has(n);
  if (given("gpus")) {
    throw bad(
      "--gpus is not supported: wharf has no GPU device plugin (NVIDIA container toolkit hook)",
      "pass the device nodes with --device /dev/nvidia0 (and the driver's libraries with -v), or use Docker with the NVIDIA runtime",
    );
  }
  const isolation = flag.string(f, "isolation");
  if (isolation !== undefined && isolation !== "" && isolation !== "default") {
    throw bad(
      `invalid isolation (${isolation}): linux only supports 'default'`,
      "drop --isolation (Linux containers have only the default isolation)",
    );
  }
  if (flag.strings(f, "storage-opt").length > 0) {
    throw bad(
      "--storage-opt is supported only for overlay over xfs with 'pquota' mount option",
      "wharf's overlay snapshots take no per-container size; drop --storage-opt (limit with --tmpfs size= or a volume)",
    );
  }
  const driver = flag.string(f, "volume-driver");
  if (driver !== undefined && driver !== "" && driver !== "local") {
    throw bad(
      `error looking up volume plugin ${driver}: plugin "${driver}" not found`,
      "wharf has only the local volume driver: drop --volume-driver",
    );
  }
  const userns = flag.string(f, "userns");
  if (userns !== undefined && userns !== "" && userns !== "host") {
    throw bad(
      "--userns: invalid USER mode",
      "wharf runs containers in the host's user namespace: use --userns host or drop the flag",
    );
  }
  const runtime = flag.string(f, "runtime");
  if (runtime !== undefined && runtime !== "" && runtime !== "runc" && runtime !== "io.containerd.runc.v2") {
    throw bad(
      `unknown or invalid runtime name: ${runtime}`,
      "wharf drives runc only: use --runtime runc or drop the flag",
    );
  }
}

const STREAMS = ["stdin", "stdout", "stderr"];

/** `-a`: the streams to attach (Docker's validateAttach), lower case. */
export function attachStreams(f: ParsedFlags): Set<string> | undefined {
  const list = flag.strings(f, "attach");
  if (list.length === 0) return undefined;
  for (const s of list) {
    if (!STREAMS.includes(s.toLowerCase())) {
      throw bad(
        `invalid argument "${s}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`,
        "give -a STDIN, -a STDOUT or -a STDERR (repeat it for several)",
      );
    }
  }
  if (f.values.detach === true) {
    throw bad(
      "conflicting options: cannot specify both --attach and --detach",
      "drop -a: a detached container is attached to nothing",
    );
  }
  return new Set(list.map((s) => s.toLowerCase()));
}

/** `--volumes-from CONTAINER[:ro|rw]`: checked here, resolved when the container is made. */
function volumesFromOf(f: ParsedFlags): string[] | undefined {
  const list = flag.strings(f, "volumes-from");
  for (const v of list) {
    const parts = v.split(":");
    const mode = parts[1];
    if (parts[0] === "" || parts.length > 2 || (mode !== undefined && mode !== "ro" && mode !== "rw")) {
      throw bad(
        `invalid mode for volumes-from: ${v}`,
        "give --volumes-from CONTAINER, CONTAINER:ro or CONTAINER:rw",
      );
    }
  }
  return list.length > 0 ? list : undefined;
}

/** `--link NAME[:ALIAS]` as Docker's CLI checks it (`ValidateLink`); the containers at create. */
function checkLinkFlag(v: string): string {
  const parts = v.split(":");
  if (v === "" || parts.length > 2 || parts.some((p) => p === "")) {
    throw bad(
      `invalid argument "${v}" for "--link" flag: ${v === "" ? "empty string specified for links" : `bad format for links: ${v}`}`,
      "give --link NAME or --link NAME:ALIAS",
    );
  }
  return v;
}

/** The options `container-flags-ns.ts`'s flags ask for, checked as Docker does. */
export function nsValues(f: ParsedFlags): NsRunOptions & { labels?: Record<string, string> } {
  refuseUnsupported(f);
  const streams = attachStreams(f);
  const o: NsRunOptions & { labels?: Record<string, string> } = {};
  if (streams) o.attach = [...streams];
  const network = flag.string(f, "network") ?? flag.string(f, "net");
  const shm = flag.string(f, "shm-size");
  if (shm !== undefined && shm !== "") {
    let size: number;
    try {
      size = parseMemory(shm);
    } catch (e) {
      throw bad(
        `invalid argument "${shm}" for "--shm-size" flag: ${(e as Error).message}`,
        "give a size such as 64m, 1g or a number of bytes",
      );
    }
    if (size > 0) o.shmSize = size;
  }
  const pid = modeOf(
    f,
    "pid",
    (m) => m === "host" || containerMode(m),
    "PID",
    "use --pid host or --pid container:NAME",
  );
  if (pid) o.pidMode = pid;
  const ipcModes = ["none", "private", "shareable", "host"];
  const ipc = modeOf(
    f,
    "ipc",
    (m) => ipcModes.includes(m) || containerMode(m),
    "IPC",
    "use --ipc private, shareable, host, none or container:NAME",
  );
  if (ipc && ipc !== "private") o.ipcMode = ipc;
  const uts = modeOf(f, "uts", (m) => m === "host", "UTS", "use --uts host or drop the flag");
  if (uts) o.utsMode = uts;
  const cgroupns = modeOf(
    f,
    "cgroupns",
    (m) => m === "host" || m === "private",
    "CGROUP",
    "use --cgroupns host or --cgroupns private",
  );
  if (cgroupns) o.cgroupnsMode = cgroupns;
  const sysctls = sysctlsOf(f, network, ipc);
  if (sysctls) o.sysctls = sysctls;
  const groups = flag.strings(f, "group-add");
  if (groups.length > 0) o.groupAdd = groups;
  const hostname = flag.string(f, "hostname");
  if (uts === "host" && hostname !== undefined && hostname !== "") {
    throw bad(
      "conflicting options: hostname and the UTS mode",
      "drop --hostname: with --uts host the container has the host's",
    );
  }
  const domain = flag.string(f, "domainname");
  if (domain !== undefined && domain !== "") {
    if (uts === "host" || network === "host") {
      throw bad(
        `conflicting options: domainname and the ${uts === "host" ? "UTS" : "network"} mode`,
        "a domain name needs a UTS namespace of the container's own: drop --uts host / --network host, or --domainname",
      );
    }
    o.domainname = domain;
  }
  const annotations = flag.strings(f, "annotation");
  if (annotations.length > 0) o.annotations = toMap(annotations);
  const from = volumesFromOf(f);
  if (from) o.volumesFrom = from;
  const cid = flag.string(f, "cidfile");
  if (cid !== undefined && cid !== "") o.cidFile = cid;
  const links = flag.strings(f, "link");
  if (links.length > 0) o.links = links.map(checkLinkFlag);
  const labels = labelsOf(f);
  if (labels) o.labels = labels;
  return o;
}

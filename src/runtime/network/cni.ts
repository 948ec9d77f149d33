/**
 * The CNI conventions (the spec's "Plugin execution"): a plugin is a binary run with the
 * operation and the container in `CNI_*` environment variables and the network's configuration as
 * JSON on stdin; it answers with a result (ADD) or an error object on stdout.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { WharfError } from "../../errors/index.js";

/** The CNI version of the configurations wharf writes (Debian's plugins speak 0.1.0 to 1.0.0). */
export const CNI_VERSION = "1.0.0";

/** Where Debian (`containernetworking-plugins`) and the upstream tarball put the plugins. */
const DEFAULT_DIRS = ["/usr/lib/cni", "/opt/cni/bin", "/usr/libexec/cni"];

export interface PluginCall {
  command: "ADD" | "DEL" | "CHECK";
  containerId: string;
  /** The network namespace file; empty for a DEL whose namespace is gone. */
  netns: string;
  ifname: string;
  /** `CNI_ARGS` (`IP=…` asks host-local for an address). */
  args?: Record<string, string>;
  /** The plugin's configuration: `type` names the binary; `cniVersion` and `name` are added. */
  config: { type: string; [key: string]: unknown };
  /** The network's name (the configuration's `name`). */
  name: string;
  /**
   * The binary to run when it is not `config.type`: an IPAM plugin gets its main plugin's whole
   * configuration (it reads the `ipam` section), as the main plugin hands it over.
   */
  plugin?: string;
}

export function pluginDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env.CNI_PATH ?? "").split(":").filter((d) => d !== "");
  return fromEnv.length > 0 ? fromEnv : DEFAULT_DIRS;
}

const found = new Map<string, string>();

/** The plugin binary of `type`, looked for in `pluginDirs()` (remembered once found). */
export function pluginPath(type: string): string {
  const known = found.get(type);
  if (known) return known;
  const dirs = pluginDirs();
  for (const d of dirs) {
    const p = join(d, type);
    if (existsSync(p)) {
      found.set(type, p);
      return p;
    }
  }
  throw new WharfError("runtime", `the CNI plugin "${type}" was not found in ${dirs.join(", ")}`, {
    hint: "install the CNI plugins (Debian: apt-get install containernetworking-plugins), or set CNI_PATH to their directory",
  });
}

interface CniError {
  code?: number;
  msg?: string;
  details?: string;
}

function failure(type: string, command: string, stdout: string, stderr: string, status: string): WharfError {
  let err: CniError = {};
  try {
    err = JSON.parse(stdout) as CniError;
  } catch {
    // not the spec's error object: the plugin's own words, if any
  }
  const why = err.msg
    ? `${err.msg}${err.details ? `: ${err.details}` : ""}`
    : stderr.trim() || stdout.trim() || status;
  return new WharfError("runtime", `network setup failed: CNI plugin ${type} ${command}: ${why}`, {
    hint: "check that this host's kernel has bridge, veth and iptables (nf_tables) support, and that wharf runs as root",
  });
}

/** The environment a plugin runs with (the spec's `CNI_*` variables). */
export function pluginEnv(call: PluginCall): NodeJS.ProcessEnv {
  const args = call.args ? Object.entries(call.args).map(([k, v]) => `${k}=${v}`) : [];
  return {
    PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId,
    CNI_NETNS: call.netns,
    CNI_IFNAME: call.ifname,
    CNI_PATH: pluginDirs().join(":"),
    // One scheduler thread: a plugin's few milliseconds of work gain nothing from more, and
    // starting them costs (bridge ADD and host-local DEL ~0.5 ms less each here).
    GOMAXPROCS: "1",
    ...(args.length > 0 ? { CNI_ARGS: ["IgnoreUnknown=1", ...args].join(";") } : {}),
  };
}

/** The configuration a plugin reads on its stdin. */
function pluginInput(call: PluginCall): string {
  return JSON.stringify({ cniVersion: CNI_VERSION, name: call.name, ...call.config });
}

/** Runs one plugin; resolves with its parsed result (ADD) or undefined (DEL, CHECK). */
export async function execPlugin(call: PluginCall): Promise<unknown> {
  const bin = pluginPath(call.plugin ?? call.config.type);
  return pluginOutcome(spawn(bin, [], { env: pluginEnv(call), stdio: ["pipe", "pipe", "pipe"] }), call, bin);
}

/**
 * Feeds `child` (the plugin, or a process that execs it: netns.ts) the call's configuration and
 * resolves with the plugin's parsed result (ADD) or undefined; rejects with its error.
 */
export function pluginOutcome(child: ChildProcess, call: PluginCall, bin: string): Promise<unknown> {
  const type = call.plugin ?? call.config.type;
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (c: Buffer) => out.push(c));
    child.stderr?.on("data", (c: Buffer) => err.push(c));
    child.on("error", (e) =>
      reject(
        new WharfError("runtime", `network setup failed: cannot run the CNI plugin ${bin}: ${e.message}`, {
          cause: e,
          hint: "reinstall the CNI plugins (Debian: apt-get install containernetworking-plugins)",
        }),
      ),
    );
    child.on("close", (code, signal) => {
      const stdout = Buffer.concat(out).toString("utf8");
      if (code !== 0) {
        const status = signal ? `killed by ${signal}` : `exit status ${code}`;
        reject(failure(type, call.command, stdout, Buffer.concat(err).toString("utf8"), status));
        return;
      }
      if (call.command !== "ADD" || stdout.trim() === "") return resolve(undefined);
      try {
        resolve(JSON.parse(stdout));
      } catch {
        reject(failure(type, call.command, "", `unreadable result: ${stdout.slice(0, 200)}`, ""));
      }
    });
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(pluginInput(call));
  });
}

/** The parts of a CNI 1.0 result wharf reads. */
export interface CniResult {
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { interface?: number; address: string; gateway?: string }[];
}

/** The container's address, prefix length, gateway and MAC in a bridge plugin's result. */
export function resultAddress(
  r: unknown,
  ifname: string,
): { ip: string; prefixLen: number; gateway: string; mac: string } | undefined {
  const res = r as CniResult;
  const ifaces = res.interfaces ?? [];
  for (const ip of res.ips ?? []) {
    const iface = ip.interface === undefined ? undefined : ifaces[ip.interface];
    if (iface && iface.name !== ifname) continue;
    const [addr = "", len = "0"] = ip.address.split("/");
    if (addr.includes(":")) continue;
    return { ip: addr, prefixLen: Number(len), gateway: ip.gateway ?? "", mac: iface?.mac ?? "" };
  }
  return undefined;
}

/** The container's IPv6 address, prefix length and gateway in a bridge plugin's result, if any. */
export function resultAddress6(
  r: unknown,
  ifname: string,
): { ip6: string; prefixLen6: number; gateway6: string } | undefined {
  const res = r as CniResult;
  const ifaces = res.interfaces ?? [];
  for (const ip of res.ips ?? []) {
    const iface = ip.interface === undefined ? undefined : ifaces[ip.interface];
    if (iface && iface.name !== ifname) continue;
    const [addr = "", len = "0"] = ip.address.split("/");
    if (!addr.includes(":")) continue;
    return { ip6: addr, prefixLen6: Number(len), gateway6: ip.gateway ?? "" };
  }
  return undefined;
}

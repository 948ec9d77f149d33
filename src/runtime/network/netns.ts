/**
 * A container's network namespace: a file under /run/netns, made before runc starts (runc joins
 * it: the spec names its path) and deleted when the container has ended (the kernel then removes
 * its interfaces, and the veth's host end with them). It is made by util-linux `unshare
 * --net=FILE` (running `mkfifo` inside it for the gate) in a shell that then runs the first bridge
 * ADD and raises `lo` (the CNI loopback plugin's job) at once. Until /run/netns is the mount point
 * `ip netns` makes of it (shared, so that a deletion reaches every mount namespace), the first is
 * made by `ip netns add`.
 */
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import type { Readable } from "node:stream";
import { WharfError } from "../../errors/index.js";
import { readTextOr } from "../../files/index.js";
import { type PluginCall, pluginEnv, pluginOutcome, pluginPath } from "./cni.js";
import { NETNS_DIR, netnsName, netnsPath } from "./layout.js";
import { mustRun, runTool, toolPath } from "./tool.js";

let dirReady = false;

function netnsDirMounted(): boolean {
  dirReady ||= readTextOr("/proc/self/mountinfo")
    .split("\n")
    .some((l) => l.split(" ")[4] === NETNS_DIR);
  return dirReady;
}

const FAILED = "cannot create the container's network namespace";
const DNS_FAILED = "cannot send 127.0.0.11 to the network's DNS server";

/**
 * In the container's namespace (nsenter): loopback addresses routable out of its interfaces (the
 * DNAT of 127.0.0.11 to the network's gateway needs it, as Docker's own rules need none: its server
 * listens in the namespace), then the rules, read on stdin by iptables-restore ($1).
 */
const IN_NS = 'echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet && exec "$1" -w';

/**
 * The child that makes the namespace and then runs the first bridge ADD into it (one process
 * started from Node rather than two: each spawn holds Node's event loop ~2-3 ms, before runc's),
 * raising `lo` meanwhile. A line on fd 3 says the namespace (and the FIFO) exist, so that runc
 * starts while the plugin runs; the plugin reads its configuration on the shell's stdin and writes
 * its result on its stdout. $1 the namespace file, $2 the FIFO ("": none), $3 the namespace's
 * name, $4 the plugin, $5-$8 unshare, mkfifo, ip, true; $9 the rules that send 127.0.0.11:53 to
 * the network's DNS server ("": none; dns.ts), $10-$12 nsenter, sh, iptables-restore, run in the
 * background too. Status 97: no namespace was made; 98: `lo` failed; 96: the DNS rules failed.
 */
const MAKE_AND_ADD = [
  'if [ -n "$2" ]; then "$5" --net="$1" "$6" -m 0600 "$2"; else "$5" --net="$1" "$8"; fi || exit 97',
  "echo >&3",
  "exec 3>&-",
  '"$7" -n "$3" link set lo up >&2 &',
  "lo=$!",
  'dns=""',
  `if [ -n "$9" ]; then printf '%s\\n' "$9" | "\${10}" --net="$1" "\${11}" -c '${IN_NS}' sh "\${12}" >&2 & dns=$!; fi`,
  '"$4"',
  "r=$?",
  'wait "$lo" || { [ "$r" = 0 ] && r=98; }',
  'if [ -n "$dns" ]; then wait "$dns" || { [ "$r" = 0 ] && r=96; }; fi',
  'exit "$r"',
].join("\n");

/**
 * Makes the container's namespace (a leftover of an earlier start is replaced) and runs the first
 * bridge ADD, `add`, into it: in the process that makes the namespace (with `fifo`, that FIFO
 * too: gate.ts), whose result is `added` (then `lo` is up once it resolves); where /run/netns is
 * not yet `ip netns`'s mount, or that process cannot make the namespace, by `ip netns add` with
 * `lo` raised and no FIFO and no `added` (the caller runs the plugin). `dnsRules`: the nat rules
 * that send 127.0.0.11:53 to the network's DNS server (dns.ts), made in the namespace meanwhile.
 */
export async function createNetns(
  containerId: string,
  fifo: string | undefined,
  add: PluginCall,
  dnsRules = "",
): Promise<{ path: string; fifo: boolean; added?: Promise<unknown> }> {
  const path = netnsPath(containerId);
  if (existsSync(path)) await deleteNetns(containerId);
  if (netnsDirMounted()) {
    writeFileSync(path, "", { mode: 0o444 });
    const { made, added } = makeAndAdd(path, fifo, add, dnsRules);
    added.catch(() => undefined);
    if (
      await made.then(
        () => true,
        () => false,
      )
    )
      return { path, fifo: fifo !== undefined, added };
    await added.catch(() => undefined);
    await deleteNetns(containerId);
  }
  const name = netnsName(containerId);
  await mustRun(FAILED, toolPath("ip"), ["netns", "add", name]);
  await loUp(containerId);
  if (dnsRules) {
    await mustRun(
      DNS_FAILED,
      toolPath("nsenter"),
      [`--net=${path}`, toolPath("sh"), "-c", IN_NS, "sh", toolPath("iptables-restore")],
      `${dnsRules}\n`,
    );
  }
  return { path, fifo: false };
}

function makeAndAdd(path: string, fifo: string | undefined, call: PluginCall, dnsRules: string) {
  const bin = pluginPath(call.config.type);
  const tools = ["unshare", "mkfifo", "ip", "true"].map(toolPath);
  const dnsTools = ["nsenter", "sh", "iptables-restore"].map(toolPath);
  const name = netnsName(call.containerId);
  const args = ["-c", MAKE_AND_ADD, "sh", path, fifo ?? "", name, bin, ...tools, dnsRules, ...dnsTools];
  const child = spawn(toolPath("sh"), args, {
    env: pluginEnv(call),
    stdio: ["pipe", "pipe", "pipe", "pipe"],
  });
  const made = new Promise<void>((resolve, reject) => {
    const line = child.stdio[3] as Readable;
    line.once("data", () => resolve());
    line.once("close", () => reject(new Error(FAILED)));
    child.once("error", reject);
  });
  const added = pluginOutcome(child, call, bin).catch((e: unknown) => {
    if (child.exitCode !== 96) throw e;
    const words = String((e as Error).message).replace(/^.*? ADD: /, "");
    throw new WharfError("runtime", `network setup failed: ${DNS_FAILED}: ${words}`, {
      hint: "wharf's networking needs iptables (with its nat table) and nsenter (util-linux)",
    });
  });
  return { made, added };
}

/** `lo` up in the container's namespace. */
async function loUp(containerId: string): Promise<void> {
  await mustRun(FAILED, toolPath("ip"), ["-n", netnsName(containerId), "link", "set", "lo", "up"]);
}

/**
 * `--link-local-ip`: each address added to `ifname` in the container's namespace, as Docker's
 * daemon adds an endpoint's link-local addresses (IPv4 as a /16, IPv6 as a /64); one the kernel
 * refuses fails it in the words of Docker's (`error setting interface "eth0" link local IPs ...`).
 */
export async function addLinkLocalIps(containerId: string, ifname: string, ips: string[]): Promise<void> {
  const cidrs = ips.map((ip) => `${ip}/${ip.includes(":") ? 64 : 16}`);
  for (const cidr of cidrs) {
    const r = await runTool(toolPath("ip"), [
      "-n",
      netnsName(containerId),
      "addr",
      "add",
      cidr,
      "dev",
      ifname,
    ]);
    if (r.code === 0) continue;
    const why = r.stderr.trim().replace(/^Error: /, "") || `exit status ${r.code}`;
    throw new WharfError(
      "runtime",
      `error setting interface "${ifname}" link local IPs to [${cidrs.join(" ")}]: ${cidr}: ${why}`,
      { hint: "give each --link-local-ip once, and none the interface has already" },
    );
  }
}

/** Deletes the container's namespace file, if any. */
export async function deleteNetns(containerId: string): Promise<void> {
  if (!existsSync(netnsPath(containerId))) return;
  const r = await runTool(toolPath("ip"), ["netns", "delete", netnsName(containerId)], undefined, {
    stdout: false,
  });
  if (r.code !== 0 && existsSync(netnsPath(containerId))) {
    await mustRun("cannot delete the container's network namespace", toolPath("ip"), [
      "netns",
      "delete",
      netnsName(containerId),
    ]);
  }
}

/**
 * Docker's embedded DNS for containers on user-defined networks, without a daemon. A container's
 * resolv.conf names 127.0.0.11, as Docker's; two nat rules in its namespace (made beside the
 * bridge ADD by the child that makes the namespace: netns.ts) send 127.0.0.11:53 to the network's
 * gateway address on the host, where one server per network answers (dns-server.ts). The server is
 * started, detached, by the first start on the network that finds none alive (a PID file and
 * /proc: no process spawned when it runs), and ends by itself once the network has had no running
 * member for a few seconds, or is removed.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { RuntimeContext } from "../types.js";
import { type DnsOptions, resolvConfEntries } from "./etc.js";
import { dnsLogPath, dnsPidPath } from "./layout.js";

/** Docker's address for its DNS server, inside every container on a user network. */
export const EMBEDDED_DNS = "127.0.0.11";

/** The arguments the server process takes (one JSON word). */
export interface DnsServerArgs {
  root: string;
  /** The network's ID. */
  network: string;
  /** The address it listens on (the network's IPv4 gateway). */
  address: string;
}

/**
 * The nat rules of a container's namespace that send 127.0.0.11:53 (UDP and TCP) to the server on
 * `gateway`, its source made the container's address on the way out (the answer comes back to it
 * and is turned back into 127.0.0.11's by conntrack).
 */
export function dnsRules(gateway: string): string {
  return [
    "*nat",
    ":OUTPUT ACCEPT [0:0]",
    ":POSTROUTING ACCEPT [0:0]",
    `-A OUTPUT -d ${EMBEDDED_DNS}/32 -p udp -m udp --dport 53 -j DNAT --to-destination ${gateway}:53`,
    `-A OUTPUT -d ${EMBEDDED_DNS}/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination ${gateway}:53`,
    `-A POSTROUTING -s 127.0.0.0/8 -d ${gateway}/32 -j MASQUERADE`,
    "COMMIT",
  ].join("\n");
}

/**
 * Docker's resolv.conf on a user network: the embedded server, the host's (or `--dns-search`'s)
 * search domains, the host's (or `--dns-option`'s) options with `ndots:0` added when none sets
 * ndots. `--dns` servers are not written: the server forwards to them.
 */
export function embeddedResolvConf(host: string, o: DnsOptions = {}): string {
  const search = o.dnsSearch?.length ? o.dnsSearch : resolvConfEntries(host, "search");
  const opts = o.dnsOptions?.length ? [...o.dnsOptions] : resolvConfEntries(host, "options");
  if (!opts.some((x) => x.startsWith("ndots:"))) opts.push("ndots:0");
  let out = `nameserver ${EMBEDDED_DNS}\n`;
  const s = search.join(" ").trim();
  if (s !== "" && s !== ".") out += `search ${s}\n`;
  out += `options ${opts.join(" ")}\n`;
  return out;
}

/** The PID of the network's server when it runs (its PID file names a live server of it). */
export function dnsServerPid(ctx: RuntimeContext, netId: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(dnsPidPath(ctx, netId), "utf8"), 10);
    if (!(pid > 0)) return undefined;
    process.kill(pid, 0);
    // A PID reused by another process after a reboot or a crash is not the server.
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "latin1");
    return cmd.includes("dns-server") && cmd.includes(netId) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** How long a start waits at most for the server it started to listen. */
const READY_WAIT_MS = 5000;

/**
 * Starts the network's DNS server when none runs (undefined: one does, nothing spawned); resolves
 * once it listens, or has given up (its reasons in `<root>/networks/<id>/dns.log`): names are then
 * found through /etc/hosts only, the start goes on.
 */
export function ensureDnsServer(
  ctx: RuntimeContext,
  netId: string,
  gateway: string,
): Promise<void> | undefined {
  if (dnsServerPid(ctx, netId) !== undefined) return undefined;
  const args: DnsServerArgs = { root: resolve(ctx.root), network: netId, address: gateway };
  const script = fileURLToPath(new URL("./dns-server.js", import.meta.url));
  const log = openSync(dnsLogPath(ctx, netId), "a");
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(
      process.execPath,
      ["--v8-pool-size=1", "--max-semi-space-size=1", script, JSON.stringify(args)],
      { detached: true, cwd: "/", stdio: ["ignore", "pipe", log] },
    );
  } finally {
    closeSync(log);
  }
  return new Promise<void>((done) => {
    const finish = () => {
      clearTimeout(timer);
      child.stdout?.destroy();
      child.unref();
      done();
    };
    const timer = setTimeout(finish, READY_WAIT_MS);
    child.stdout?.once("data", finish);
    child.stdout?.once("close", finish);
    child.once("error", finish);
  });
}

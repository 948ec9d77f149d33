/**
 * Published ports on the host's IPv6 addresses, as Docker's userland proxy gives them: a
 * container on an IPv4-only network whose `-p` has no host IP (or `0.0.0.0`, `::`) is also reached
 * on `[::]:PORT` (so `[::1]` and a `localhost` that resolves to ::1 first), relayed to its IPv4
 * address; `-p [::1]:PORT:…` (any IPv6 host address) on that address only; a dual-stack network's
 * container (its ip6tables DNAT answers on the host's IPv6 addresses) on `[::1]` only, which no
 * DNAT can reach.
 *
 * One relay process per wharf root (proxy-server.ts) serves every mapping of the root, listed in
 * `<root>/networks/proxy.json` (container ID → its entries), changed under `.proxy.lock`. A start
 * adds its entries, then asks the relay (an abstract Unix socket named by the root) to apply the
 * file; no relay answering, it spawns one (detached, PID file `proxy.pid`, log `proxy.log`), which
 * applies the file as it starts. The answer says whether the container's listeners are open: a
 * failure fails the start, as Docker's does when docker-proxy cannot bind. An end removes the
 * entries and asks again (its listeners are closed when it returns); the relay ends by itself a few
 * seconds after the file has no live entry.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeCrypto } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { withLock, writeFileAtomicSync } from "../../files/index.js";
import type { RuntimeContext } from "../types.js";
import { netnsPath } from "./layout.js";
import type { PortMapping } from "./types.js";

/** One listener the relay opens for a container. */
export interface ProxyEntry {
  proto: "tcp" | "udp";
  /** The IPv6 address it listens on: `::`, `::1` or the `-p` one. */
  host: string;
  port: number;
  /** The container's IPv4 address and port. */
  to: string;
  toPort: number;
  /** Asked for by `-p [ADDR]:…` (its failure always fails the start; the implicit `[::]` one's
   * does not when the host has no IPv6 at all, as Docker leaves the IPv6 side out then). */
  explicit: boolean;
}

export type ProxyMap = Record<string, ProxyEntry[]>;

export function proxyFile(root: string): string {
  return join(root, "networks", "proxy.json");
}
export function proxyLock(root: string): string {
  return join(root, "networks", ".proxy.lock");
}
export function proxyPidFile(root: string): string {
  return join(root, "networks", "proxy.pid");
}
export function proxyLogFile(root: string): string {
  return join(root, "networks", "proxy.log");
}

/** The relay's abstract socket (Linux: no file, no path length limit, gone with the process). */
export function proxySocket(root: string): string {
  return `\0wharf-proxy-${nodeCrypto().createHash("sha256").update(resolve(root)).digest("hex").slice(0, 24)}`;
}

/**
 * The relay's entries for a container's mappings (`ip`: its IPv4 address on the network the ports
 * are on; `dualStack`: that network has IPv6). SCTP is not relayed (docker-proxy has it; rare).
 */
export function proxyEntries(mappings: readonly PortMapping[], ip: string, dualStack: boolean): ProxyEntry[] {
  const out: ProxyEntry[] = [];
  for (const m of mappings) {
    if (m.protocol !== "tcp" && m.protocol !== "udp") continue;
    const any = m.hostIp === "" || m.hostIp === "0.0.0.0" || m.hostIp === "::";
    let host: string | undefined;
    if (dualStack) host = any || m.hostIp === "::1" ? "::1" : undefined;
    else if (any) host = "::";
    else if (m.hostIp.includes(":")) host = m.hostIp;
    if (host === undefined) continue;
    const explicit = m.hostIp.includes(":") && m.hostIp !== "::";
    out.push({ proto: m.protocol, host, port: m.hostPort, to: ip, toPort: m.containerPort, explicit });
  }
  return out;
}

export function readProxyMap(root: string): ProxyMap {
  try {
    return JSON.parse(readFileSync(proxyFile(root), "utf8")) as ProxyMap;
  } catch {
    return {};
  }
}

/** The entries of containers whose namespace is there (a crashed one's go at the next change). */
export function liveEntries(
  map: ProxyMap,
  live: (id: string) => boolean = (id) => existsSync(netnsPath(id)),
): ProxyMap {
  return Object.fromEntries(Object.entries(map).filter(([id]) => live(id)));
}

/** Sets (or with `entries` undefined, removes) a container's entries, under the file's lock. */
export async function updateProxyMap(
  root: string,
  id: string,
  entries: ProxyEntry[] | undefined,
  live?: (id: string) => boolean,
): Promise<ProxyMap> {
  mkdirSync(join(root, "networks"), { recursive: true });
  return withLock(proxyLock(root), async () => {
    const map = liveEntries(readProxyMap(root), live);
    if (entries) map[id] = entries;
    else delete map[id];
    writeFileAtomicSync(proxyFile(root), JSON.stringify(map), { mode: 0o600, flush: false });
    return map;
  });
}

/**
 * Asks the relay to apply the file: its answer (`ok`, or the container's failure), undefined when
 * no relay listens (or it went while answering).
 */
export function askRelay(root: string, id: string): Promise<string | undefined> {
  return new Promise((done) => {
    let got = "";
    const s = connect(proxySocket(root));
    s.setEncoding("utf8");
    s.on("data", (c) => {
      got += c;
    });
    s.on("error", () => done(undefined));
    s.on("close", () => done(got.endsWith("\n") ? got.trimEnd() : undefined));
    s.end(`${id}\n`);
  });
}

/** How long a start waits at most for the relay it spawned. */
const READY_WAIT_MS = 5000;

function spawnRelay(root: string): Promise<void> {
  const script = fileURLToPath(new URL("./proxy-server.js", import.meta.url));
  const log = openSync(proxyLogFile(root), "a");
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(process.execPath, ["--v8-pool-size=1", "--max-semi-space-size=1", script, resolve(root)], {
      detached: true,
      cwd: "/",
      stdio: ["ignore", "pipe", log],
    });
  } finally {
    closeSync(log);
  }
  return new Promise<void>((ready) => {
    const finish = () => {
      clearTimeout(timer);
      child.stdout?.destroy();
      child.unref();
      ready();
    };
    const timer = setTimeout(finish, READY_WAIT_MS);
    child.stdout?.once("data", finish);
    child.stdout?.once("close", finish);
    child.once("error", finish);
  });
}

function failure(answer: string, name: string, id: string): WharfError | undefined {
  if (answer === "ok") return undefined;
  const shown = answer.startsWith("err ") ? answer.slice(4) : answer;
  return new WharfError(
    "conflict",
    `driver failed programming external connectivity on endpoint ${name} (${id}): ${shown}`,
    {
      hint: "another process listens on that port's IPv6 side: publish another host port, or -p 0.0.0.0:PORT:PORT for IPv4 only",
    },
  );
}

/**
 * A start's relay: its entries added to the file, then applied by the running relay (one spawned
 * when none answers). Throws Docker's error when a listener cannot be opened.
 */
export async function relayPorts(
  ctx: RuntimeContext,
  rec: { id: string; name: string },
  entries: ProxyEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const root = resolve(ctx.root);
  await updateProxyMap(root, rec.id, entries);
  for (let attempt = 0; attempt < 3; attempt++) {
    const answer = await askRelay(root, rec.id);
    if (answer !== undefined) {
      const err = failure(answer, rec.name, rec.id);
      if (err) throw err;
      return;
    }
    await spawnRelay(root);
  }
  throw new WharfError("runtime", `the port relay did not start (see ${proxyLogFile(root)})`);
}

/** An end's: the container's entries removed and, when a relay runs, its listeners closed. */
export async function unrelayPorts(ctx: RuntimeContext, id: string): Promise<void> {
  const root = resolve(ctx.root);
  if (!existsSync(proxyFile(root))) return;
  if (!(id in readProxyMap(root))) return;
  await updateProxyMap(root, id, undefined);
  await askRelay(root, id);
}

/**
 * On a dual-stack network portmap's ip6tables rules DNAT every local destination, ::1 included, to
 * the container's IPv6 address, where a packet from ::1 cannot go (the kernel keeps IPv6 loopback
 * traffic on `lo`): a RETURN for ::1 at the top of its entry chain leaves [::1] to the relay (Docker's
 * OUTPUT jump has `! -d ::1` for the same reason). Made once per host (checked with `-C` first).
 */
export async function exemptLoopback6(): Promise<void> {
  const rule = ["CNI-HOSTPORT-DNAT", "-d", "::1/128", "-j", "RETURN"];
  const { runTool } = await import("./tool.js");
  const has = await runTool("ip6tables", ["-w", "-t", "nat", "-C", ...rule], undefined, { stdout: false });
  if (has.code === 0) return;
  const r = await runTool("ip6tables", ["-w", "-t", "nat", "-I", rule[0] as string, "1", ...rule.slice(1)]);
  if (r.code !== 0) {
    throw new WharfError("runtime", `ip6tables: cannot leave [::1] to the port relay: ${r.stderr.trim()}`);
  }
}

/** The running relay's PID (its PID file names a live relay of this root). */
export function relayPid(root: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(proxyPidFile(root), "utf8"), 10);
    if (!(pid > 0)) return undefined;
    process.kill(pid, 0);
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "latin1");
    return cmd.includes("proxy-server") && cmd.includes(resolve(root)) ? pid : undefined;
  } catch {
    return undefined;
  }
}

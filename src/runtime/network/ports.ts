/**
 * Published ports: which host ports a container gets (`-p`, `-P`), reserved host-wide in
 * /run/wharf/ports.json (a host port is the host's, whichever root's container takes it) so that
 * two containers never publish one port, and tried with a bind first so that a port some host
 * process listens on is refused as Docker's proxy would.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { WharfError } from "../../errors/index.js";
import { readTextOr, withLock, writeFileAtomicSync } from "../../files/index.js";
import { execPlugin } from "./cni.js";
import { HOST_DIR, netnsPath, PORTS_FILE, PORTS_LOCK } from "./layout.js";
import { portmapConfig } from "./plugins.js";
import type { PortMapping, PortProtocol, PublishSpec } from "./types.js";

export { exposedPorts, parsePortKey, wantedBindings } from "./port-keys.js";

/** Host port key (`tcp/0.0.0.0/8080`) → its owner: `<container ID> <network name>`. */
type Reservations = Record<string, string>;

function ownerOf(v: string): { id: string; network: string } {
  const [id = "", network = ""] = v.split(" ");
  return { id, network };
}

function keyOf(protocol: string, hostIp: string, hostPort: number): string {
  return `${protocol}/${hostIp || "0.0.0.0"}/${hostPort}`;
}

function clashes(res: Reservations, protocol: string, hostIp: string, port: number, self: string): boolean {
  for (const [k, owner] of Object.entries(res)) {
    if (ownerOf(owner).id === self) continue;
    const [proto, ip, p] = k.split("/");
    if (proto !== protocol || Number(p) !== port) continue;
    const mine = hostIp || "0.0.0.0";
    if (ip === mine || ip === "0.0.0.0" || mine === "0.0.0.0") return true;
  }
  return false;
}

/**
 * Whether `port` can be bound on `hostIp` now: the error code when not. `ipv6Only`: `[::]` without
 * its IPv4 side (what the IPv6 relay binds: proxy.ts).
 */
async function bindError(
  protocol: PortProtocol,
  hostIp: string,
  port: number,
  ipv6Only = false,
): Promise<string | undefined> {
  if (protocol === "sctp") return undefined;
  const host = hostIp || "0.0.0.0";
  // node:dgram only for a UDP port: this module is on every `run`'s import path.
  const { createSocket } = protocol === "udp" ? await import("node:dgram") : { createSocket: undefined };
  return new Promise((resolve) => {
    if (createSocket) {
      const s = createSocket({ type: host.includes(":") ? "udp6" : "udp4", ipv6Only });
      s.once("error", (e: NodeJS.ErrnoException) => {
        s.close();
        resolve(e.code ?? "EADDRINUSE");
      });
      s.bind({ address: host, port, exclusive: true }, () => s.close(() => resolve(undefined)));
      return;
    }
    const srv = createServer();
    srv.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "EADDRINUSE"));
    srv.listen({ host, port, exclusive: true, ipv6Only }, () => srv.close(() => resolve(undefined)));
  });
}

/**
 * Whether a port picked for a `-p` without host IP is free on the IPv6 side the relay binds (`[::]`)
 * too: a program listening there alone would fail the start (Docker 27+ goes on to the next port
 * of the range then). A host without IPv6 has no such side.
 */
async function freeOnIpv6(protocol: PortProtocol, hostIp: string, port: number): Promise<boolean> {
  if (hostIp !== "" && hostIp !== "0.0.0.0") return true;
  return (await bindError(protocol, "::", port, true)) !== "EADDRINUSE";
}

function localPortRange(): [number, number] {
  const [a, b] = readTextOr("/proc/sys/net/ipv4/ip_local_port_range", "32768\t60999")
    .trim()
    .split(/\s+/)
    .map(Number);
  return [a && a > 0 ? a : 32768, b && b > 0 ? b : 60999];
}

function readReservations(): Reservations {
  try {
    return JSON.parse(readFileSync(PORTS_FILE, "utf8")) as Reservations;
  } catch {
    return {};
  }
}

/** A reservation is stale once its container's network namespace is gone (ended, or a reboot). */
function splitStale(res: Reservations): { live: Reservations; stale: { id: string; network: string }[] } {
  const live: Reservations = {};
  const stale: { id: string; network: string }[] = [];
  for (const [k, v] of Object.entries(res)) {
    const o = ownerOf(v);
    if (existsSync(netnsPath(o.id))) live[k] = v;
    else if (!stale.some((x) => x.id === o.id)) stale.push(o);
  }
  return { live, stale };
}

/**
 * Removes the DNAT rules a stale reservation's container may have left (its release cut short: a
 * root deleted under a running container), before its port goes to another: portmap's rules
 * match in the order they were made, and an old one would take the new container's connections.
 */
async function dropRules(stale: { id: string; network: string }[]): Promise<void> {
  for (const { id, network } of stale) {
    if (!network) continue;
    const config = portmapConfig([{ containerPort: 1, protocol: "tcp", hostIp: "", hostPort: 1 }]);
    await execPlugin({
      command: "DEL",
      containerId: id,
      netns: "",
      ifname: "eth0",
      name: network,
      config,
    }).catch(() => undefined);
  }
}

function allocated(endpoint: string, what: string): WharfError {
  return new WharfError("conflict", `${endpoint}Bind for ${what} failed: port is already allocated`, {
    hint: "publish another host port, or stop the container that has this one (wharf ps shows PORTS)",
  });
}

/**
 * Reserves host ports for `wanted` (`name` for the messages) and returns the mappings. Held under
 * the host's ports lock; the container's network namespace must exist already (it marks the
 * reservation live).
 */
export async function reservePorts(
  containerId: string,
  name: string,
  network: string,
  wanted: PublishSpec[],
): Promise<PortMapping[]> {
  if (wanted.length === 0) return [];
  mkdirSync(HOST_DIR, { recursive: true, mode: 0o755 });
  return withLock(PORTS_LOCK, async () => {
    const { live: res, stale } = splitStale(readReservations());
    await dropRules(stale);
    const endpoint = `driver failed programming external connectivity on endpoint ${name} (${containerId}): `;
    const out: PortMapping[] = [];
    for (const w of wanted) {
      const ip = w.hostIp;
      const shown = `${ip || "0.0.0.0"}:${w.hostPort}`;
      let port: number | undefined;
      if (w.hostPort !== "" && !w.hostPort.includes("-")) {
        const p = Number(w.hostPort);
        const mine = out.some((m) => m.hostPort === p && m.protocol === w.protocol);
        if (mine || clashes(res, w.protocol, ip, p, containerId)) throw allocated(endpoint, shown);
        const err = await bindError(w.protocol, ip, p);
        if (err) {
          throw new WharfError(
            "conflict",
            `${endpoint}Error starting userland proxy: listen ${w.protocol}4 ${shown}: bind: ${err === "EADDRINUSE" ? "address already in use" : err === "EADDRNOTAVAIL" ? "cannot assign requested address" : err}`,
            { hint: `another process listens on ${shown}: publish another host port` },
          );
        }
        port = p;
      } else {
        const [lo, hi] =
          w.hostPort === "" ? localPortRange() : (w.hostPort.split("-").map(Number) as [number, number]);
        for (let p = lo; p <= hi && port === undefined; p++) {
          if (clashes(res, w.protocol, ip, p, containerId)) continue;
          if (out.some((m) => m.hostPort === p && m.protocol === w.protocol)) continue;
          if ((await bindError(w.protocol, ip, p)) === undefined && (await freeOnIpv6(w.protocol, ip, p)))
            port = p;
        }
        if (port === undefined) throw allocated(endpoint, shown);
      }
      res[keyOf(w.protocol, ip, port)] = `${containerId} ${network}`;
      out.push({ containerPort: w.containerPort, protocol: w.protocol, hostIp: ip, hostPort: port });
    }
    writeFileAtomicSync(PORTS_FILE, JSON.stringify(res), { mode: 0o600, flush: false });
    return out;
  });
}

/** Drops the container's reservations (and any stale ones). */
export async function releasePorts(containerId: string): Promise<void> {
  if (!existsSync(PORTS_FILE)) return;
  await withLock(PORTS_LOCK, async () => {
    const res = readReservations();
    const kept = splitStale(
      Object.fromEntries(Object.entries(res).filter(([, v]) => ownerOf(v).id !== containerId)),
    ).live;
    if (Object.keys(kept).length !== Object.keys(res).length) {
      writeFileAtomicSync(PORTS_FILE, JSON.stringify(kept), { mode: 0o600, flush: false });
    }
  });
}

/**
 * The network's DNS server (its process: dns-server.ts; why and how it is reached: dns.ts). UDP
 * and TCP on one address. Names of the asking container's networks are answered from their
 * peers.json files (re-read when they change, so a container started a moment ago is found);
 * everything else is forwarded to the asker's `--dns` servers, else the host's resolv.conf ones
 * (localhost ones too: the server runs on the host), their answer relayed as it came (NXDOMAIN
 * included), SERVFAIL when none answers in time.
 */
import { createSocket, type Socket } from "node:dgram";
import { existsSync, readFileSync, statSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { lookupAddress, lookupLink, lookupName, memberAt, type NetworkNames } from "./dns-names.js";
import {
  type Answer,
  buildResponse,
  CLASS_IN,
  formatError,
  parseQuery,
  ptrAddress,
  RCODE_NOERROR,
  RCODE_SERVFAIL,
  TYPE_A,
  TYPE_AAAA,
  TYPE_PTR,
  withId,
} from "./dns-wire.js";
import type { Member } from "./peers.js";

export interface ServeOptions {
  /** The address to listen on, and the port (53; tests take another). */
  address: string;
  port?: number;
  /** The network's ID and the files it reads: `<networks>/<id>/peers.json` and `config.json`. */
  network: string;
  networksDir: string;
  /** Whether a member runs (its namespace file exists). */
  live: (id: string) => boolean;
  /** The host's resolv.conf (its name servers are the default upstreams). */
  resolvConf?: string;
  /** The port upstream servers listen on (53; tests take another). */
  upstreamPort?: number;
  /** How long one upstream is waited for before the next is tried. */
  forwardTimeoutMs?: number;
}

export interface DnsServer {
  udp: Socket;
  tcp: Server;
  /** The members of the server's own network that run (for its idle end). */
  liveMembers(): number;
  close(): Promise<void>;
}

interface Cached<T> {
  key: string;
  value: T;
}

/** Reads a JSON file again only when its size or time changed. */
function cachedReader<T>(fallback: T): (path: string) => T {
  const cache = new Map<string, Cached<T>>();
  return (path) => {
    let key: string;
    try {
      const st = statSync(path);
      key = `${st.mtimeMs} ${st.size} ${st.ino}`;
    } catch {
      cache.delete(path);
      return fallback;
    }
    const hit = cache.get(path);
    if (hit?.key === key) return hit.value;
    let value = fallback;
    try {
      value = JSON.parse(readFileSync(path, "utf8")) as T;
    } catch {
      // Being replaced: the rename is atomic, so this is a file that went; none then.
    }
    cache.set(path, { key, value });
    return value;
  };
}

/** The name servers of a resolv.conf (Google's when it has none, as Docker). */
export function upstreamsOf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f[0] === "nameserver" && f[1]) out.push(f[1]);
  }
  return out.length > 0 ? out : ["8.8.8.8", "8.8.4.4"];
}

/** One question to one upstream over UDP; undefined on a timeout or an error. */
function askUdp(raw: Buffer, server: string, port: number, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = createSocket(server.includes(":") ? "udp6" : "udp4");
    const id = Math.floor(Math.random() * 0x10000);
    let settled = false;
    const done = (msg: Buffer | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.close();
      resolve(msg);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    s.on("message", (msg) => {
      if (msg.length >= 12 && msg.readUInt16BE(0) === id) done(msg);
    });
    // Connected: an ICMP "port unreachable" ends the wait at once.
    s.on("error", () => done(undefined));
    s.connect(port, server, () => s.send(withId(raw, id)));
  });
}

/** One question to one upstream over TCP (two-byte length prefix); undefined on a failure. */
function askTcp(raw: Buffer, server: string, port: number, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const c = connect({ host: server, port });
    let buf = Buffer.alloc(0);
    let settled = false;
    const done = (msg: Buffer | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      c.destroy();
      resolve(msg);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    c.on("connect", () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(raw.length);
      c.write(Buffer.concat([len, raw]));
    });
    c.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0))
        done(buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    c.on("error", () => done(undefined));
    c.on("close", () => done(undefined));
  });
}

/** The largest answer sent over UDP (RFC 1035); more addresses than fit are left out, TC set. */
const UDP_MAX = 512;

/** Starts the server; resolves once both sockets listen. */
export async function serveDns(o: ServeOptions): Promise<DnsServer> {
  const port = o.port ?? 53;
  const upstreamPort = o.upstreamPort ?? 53;
  const timeoutMs = o.forwardTimeoutMs ?? 2000;
  const readPeers = cachedReader<Record<string, Member>>({});
  const readConfig = cachedReader<{ Name?: string }>({});
  let hostText = { key: "", servers: [] as string[] };
  const dir = (id: string) => `${o.networksDir}/${id}`;
  const network = (id: string): NetworkNames | undefined => {
    const name = readConfig(`${dir(id)}/config.json`).Name;
    return name ? { id, name, members: readPeers(`${dir(id)}/peers.json`) } : undefined;
  };
  const hostServers = (): string[] => {
    const path = o.resolvConf ?? "/etc/resolv.conf";
    let key = "";
    try {
      const st = statSync(path);
      key = `${st.mtimeMs} ${st.size}`;
    } catch {
      // none: Google's
    }
    if (key !== hostText.key || hostText.servers.length === 0) {
      let text = "";
      try {
        text = readFileSync(path, "utf8");
      } catch {
        // none
      }
      hostText = { key, servers: upstreamsOf(text) };
    }
    return hostText.servers;
  };

  /**
   * The asker's networks and servers. One that is no member (a container of another network
   * reaching the gateway through the host, the host itself) is answered no names.
   */
  const askerView = (source: string): { asker: string; nets: NetworkNames[]; upstreams: string[] } => {
    const own = network(o.network);
    const who = own ? memberAt(own, source, o.live) : undefined;
    if (!own || !who) return { asker: "", nets: [], upstreams: hostServers() };
    const nets = who.member.networks.flatMap((id) => (id === own.id ? [own] : (network(id) ?? [])));
    const dns = who.member.dns ?? [];
    return { asker: who.id, nets, upstreams: dns.length > 0 ? dns : hostServers() };
  };

  const answer = async (raw: Buffer, source: string, tcp: boolean): Promise<Buffer | undefined> => {
    const q = parseQuery(raw);
    if (!q) return formatError(raw);
    const { asker, nets, upstreams } = askerView(source);
    if (q.class === CLASS_IN && (q.type === TYPE_A || q.type === TYPE_AAAA)) {
      const r = lookupLink(nets, asker, q.name, q.type, o.live) ?? lookupName(nets, q.name, q.type, o.live);
      if (r) {
        const answers: Answer[] = r.found.map((address) => ({ type: q.type as typeof TYPE_A, address }));
        let resp = buildResponse(raw, q, RCODE_NOERROR, answers);
        if (!tcp && resp.length > UDP_MAX) {
          const each = q.type === TYPE_A ? 16 : 28;
          const fit = Math.max(0, Math.floor((UDP_MAX - (q.questionEnd + 0)) / each));
          resp = buildResponse(raw, q, RCODE_NOERROR, answers.slice(0, fit));
          resp.writeUInt16BE(resp.readUInt16BE(2) | 0x0200, 2);
        }
        return resp;
      }
    } else if (q.class === CLASS_IN && q.type === TYPE_PTR) {
      const addr = ptrAddress(q.name);
      const name = addr ? lookupAddress(nets, addr, o.live) : undefined;
      if (name) return buildResponse(raw, q, RCODE_NOERROR, [{ type: TYPE_PTR, target: name }]);
    }
    for (const server of upstreams) {
      const reply = await (tcp ? askTcp : askUdp)(raw, server, upstreamPort, timeoutMs);
      if (reply) return withId(reply, q.id);
    }
    return buildResponse(raw, q, RCODE_SERVFAIL);
  };

  const udp = createSocket({ type: o.address.includes(":") ? "udp6" : "udp4", reuseAddr: false });
  udp.on("message", (msg, rinfo) => {
    answer(msg, rinfo.address, false).then(
      (r) => {
        if (r) udp.send(r, rinfo.port, rinfo.address);
      },
      () => undefined,
    );
  });
  const tcp = createServer((conn) => {
    let buf = Buffer.alloc(0);
    conn.setTimeout(10_000, () => conn.destroy());
    conn.on("error", () => undefined);
    conn.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        answer(msg, conn.remoteAddress ?? "", true).then(
          (r) => {
            if (!r || conn.destroyed) return;
            const len = Buffer.alloc(2);
            len.writeUInt16BE(r.length);
            conn.write(Buffer.concat([len, r]));
          },
          () => undefined,
        );
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    udp.once("error", reject);
    udp.bind({ address: o.address, port, exclusive: true }, () => {
      udp.off("error", reject);
      resolve();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen({ host: o.address, port }, () => {
        tcp.off("error", reject);
        resolve();
      });
    });
  } catch (e) {
    udp.close();
    throw e;
  }
  udp.on("error", () => undefined);
  return {
    udp,
    tcp,
    liveMembers: () => {
      const own = network(o.network);
      return own ? Object.keys(own.members).filter((id) => o.live(id)).length : 0;
    },
    // Both stop listening at once; a TCP connection still open ends with the process.
    close: () =>
      new Promise<void>((resolve) => {
        udp.close(() => resolve());
        tcp.close();
      }),
  };
}

/** Whether the network's files are still there (a removed network's server ends). */
export function networkExists(networksDir: string, id: string): boolean {
  return existsSync(`${networksDir}/${id}/config.json`);
}

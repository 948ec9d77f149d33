/**
 * The listeners of the port relay (proxy-server.ts runs them): for each wanted `proto/host/port`,
 * a TCP server or UDP socket on that IPv6 address (`ipv6Only`: the IPv4 side is the DNAT rules')
 * that relays each connection, or each client's datagrams, to the container's IPv4 address and
 * port, as Docker's docker-proxy does. `apply` opens what is new, closes what is gone or changed,
 * and says which listeners could not be opened.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, createServer, type Server, type Socket } from "node:net";
import type { ProxyEntry } from "./proxy.js";

/** How long a UDP client's relay socket lives without traffic (docker-proxy's UDPConnTrackTimeout). */
export const UDP_IDLE_MS = 90_000;

/** A listener's key: what it listens on (one listener per key). */
export function listenKey(e: Pick<ProxyEntry, "proto" | "host" | "port">): string {
  return `${e.proto}/${e.host}/${e.port}`;
}

function targetOf(e: ProxyEntry): string {
  return `${e.to}:${e.toPort}`;
}

interface Listener {
  target: string;
  close(): Promise<void>;
}

function relayTcp(e: ProxyEntry): Promise<Listener> {
  const open = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ host: e.to, port: e.toPort, allowHalfOpen: true });
    open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: e.host, port: e.port, ipv6Only: true, exclusive: true }, () => {
      server.removeListener("error", reject);
      server.on("error", () => undefined);
      resolve({
        target: targetOf(e),
        close: () =>
          new Promise<void>((done) => {
            for (const s of open) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function relayUdp(e: ProxyEntry): Promise<Listener> {
  const sock = createSocket({ type: "udp6", ipv6Only: true });
  /** One socket toward the container per client (its replies go back to that client). */
  const clients = new Map<string, { up: UdpSocket; timer: NodeJS.Timeout }>();
  const forget = (k: string) => {
    const c = clients.get(k);
    if (!c) return;
    clearTimeout(c.timer);
    c.up.close();
    clients.delete(k);
  };
  sock.on("message", (msg, from) => {
    const k = `${from.address}/${from.port}`;
    let c = clients.get(k);
    if (!c) {
      const up = createSocket("udp4");
      up.on("message", (reply) => {
        sock.send(reply, from.port, from.address);
        const cur = clients.get(k);
        if (cur) cur.timer.refresh();
      });
      up.on("error", () => forget(k));
      c = { up, timer: setTimeout(() => forget(k), UDP_IDLE_MS) };
      c.timer.unref();
      clients.set(k, c);
    } else c.timer.refresh();
    c.up.send(msg, e.toPort, e.to);
  });
  return new Promise((resolve, reject) => {
    sock.once("error", reject);
    sock.bind({ address: e.host, port: e.port, exclusive: true }, () => {
      sock.removeListener("error", reject);
      sock.on("error", () => undefined);
      resolve({
        target: targetOf(e),
        close: () =>
          new Promise<void>((done) => {
            for (const k of [...clients.keys()]) forget(k);
            sock.close(() => done());
          }),
      });
    });
  });
}

/** Errors that say the host has no IPv6 (or not that address): an implicit `[::]` side is then left out. */
const NO_IPV6 = new Set(["EAFNOSUPPORT", "EADDRNOTAVAIL", "EPROTONOSUPPORT"]);

/** A failed listener, in Docker's words (`Error starting userland proxy: listen tcp6 [::]:8080: bind: …`). */
export function bindMessage(e: ProxyEntry, code: string | undefined): string {
  const why =
    code === "EADDRINUSE"
      ? "address already in use"
      : code === "EADDRNOTAVAIL"
        ? "cannot assign requested address"
        : code === "EACCES"
          ? "permission denied"
          : (code ?? "failed");
  return `Error starting userland proxy: listen ${e.proto}6 [${e.host}]:${e.port}: bind: ${why}`;
}

/** The relay's listeners: one per key, kept in step with the wanted entries by `apply`. */
export class Relay {
  private readonly listeners = new Map<string, Listener>();

  get size(): number {
    return this.listeners.size;
  }

  has(key: string): boolean {
    return this.listeners.has(key);
  }

  /**
   * Opens and closes listeners so that exactly `wanted`'s are open (one container's entries per
   * key: the first wins). Returns the failures by container ID (Docker's message each).
   */
  async apply(wanted: Record<string, ProxyEntry[]>): Promise<Map<string, string>> {
    const want = new Map<string, { id: string; e: ProxyEntry }>();
    for (const [id, list] of Object.entries(wanted)) {
      for (const e of list) if (!want.has(listenKey(e))) want.set(listenKey(e), { id, e });
    }
    for (const [k, l] of [...this.listeners]) {
      const w = want.get(k);
      if (w && targetOf(w.e) === l.target) continue;
      this.listeners.delete(k);
      await l.close();
    }
    const failed = new Map<string, string>();
    await Promise.all(
      [...want].map(async ([k, { id, e }]) => {
        if (this.listeners.has(k)) return;
        try {
          this.listeners.set(k, await (e.proto === "udp" ? relayUdp(e) : relayTcp(e)));
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (!e.explicit && code && NO_IPV6.has(code)) return;
          if (!failed.has(id)) failed.set(id, bindMessage(e, code));
        }
      }),
    );
    return failed;
  }

  async closeAll(): Promise<void> {
    await this.apply({});
  }
}

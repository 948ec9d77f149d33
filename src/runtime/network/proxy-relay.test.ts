import { createSocket } from "node:dgram";
import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Server } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ProxyEntry } from "./proxy.js";
import { Relay } from "./proxy-relay.js";

/** A free port on both [::1] and 127.0.0.1 (asked of the kernel). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen({ host: "::1", port: 0 }, r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Sends `text` to host:port over TCP and returns what comes back before the peer ends. */
function tcpAsk(host: string, port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = "";
    const c = connect({ host, port });
    c.setEncoding("utf8");
    c.on("data", (d) => {
      got += d;
    });
    c.on("error", reject);
    c.on("end", () => resolve(got));
    c.end(text);
  });
}

function tcpRefused(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const c = connect({ host, port });
    c.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    c.on("connect", () => {
      c.destroy();
      resolve("connected");
    });
  });
}

async function udpAsk(host: string, port: number, text: string): Promise<string> {
  const s = createSocket("udp6");
  try {
    const reply = once(s, "message");
    s.send(text, port, host);
    const timer = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("no UDP answer")), 2000),
    );
    const [msg] = (await Promise.race([reply, timer])) as [Buffer];
    return msg.toString();
  } finally {
    s.close();
  }
}

describe("Relay (a real echo on 127.0.0.1, reached on [::1])", () => {
  let echo: Server;
  let udpEcho: ReturnType<typeof createSocket>;
  let echoPort: number;
  let relay: Relay;

  beforeEach(async () => {
    echo = createServer({ allowHalfOpen: true }, (c) => {
      let got = "";
      c.on("data", (d) => {
        got += d;
      });
      c.on("end", () => c.end(`echo ${got} from ${c.remoteAddress}`));
    });
    await new Promise<void>((r) => echo.listen({ host: "127.0.0.1", port: 0 }, r));
    echoPort = (echo.address() as AddressInfo).port;
    udpEcho = createSocket("udp4");
    udpEcho.on("message", (msg, from) => udpEcho.send(`udp ${msg}`, from.port, from.address));
    await new Promise<void>((r) => udpEcho.bind({ address: "127.0.0.1", port: echoPort }, r));
    relay = new Relay();
  });

  afterEach(async () => {
    await relay.closeAll();
    await new Promise((r) => echo.close(r));
    udpEcho.close();
  });

  const entry = (proto: "tcp" | "udp", port: number, host = "::1", explicit = false): ProxyEntry => ({
    proto,
    host,
    port,
    to: "127.0.0.1",
    toPort: echoPort,
    explicit,
  });

  it("relays TCP (half-close included) and UDP, then closes the listeners that go", async () => {
    const port = await freePort();
    const failed = await relay.apply({ c1: [entry("tcp", port), entry("udp", port)] });
    expect([...failed]).toEqual([]);
    expect(relay.size).toBe(2);
    expect(await tcpAsk("::1", port, "hello")).toBe("echo hello from 127.0.0.1");
    expect(await udpAsk("::1", port, "ping")).toBe("udp ping");
    expect(await udpAsk("::1", port, "again")).toBe("udp again");
    // IPv6 only: the IPv4 side of the port stays free for the DNAT rules (and others).
    const v4 = createServer();
    await new Promise<void>((r, j) => v4.once("error", j).listen({ host: "127.0.0.1", port }, r));
    await new Promise((r) => v4.close(r));
    await relay.apply({});
    expect(relay.size).toBe(0);
    expect(await tcpRefused("::1", port)).toBe("ECONNREFUSED");
  });

  it("a port taken on its IPv6 address: Docker's error for that container, the others still served", async () => {
    const taken = await freePort();
    const other = await freePort();
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen({ host: "::1", port: taken, ipv6Only: true }, r));
    try {
      const failed = await relay.apply({ bad: [entry("tcp", taken)], good: [entry("tcp", other)] });
      expect(failed.get("bad")).toBe(
        `Error starting userland proxy: listen tcp6 [::1]:${taken}: bind: address already in use`,
      );
      expect(failed.has("good")).toBe(false);
      expect(await tcpAsk("::1", other, "x")).toBe("echo x from 127.0.0.1");
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it("an address the host lacks: an implicit side is left out, an explicit one fails", async () => {
    const port = await freePort();
    const implicit = await relay.apply({ a: [entry("tcp", port, "fd00:dead:beef::1")] });
    expect([...implicit]).toEqual([]);
    const explicit = await relay.apply({ a: [entry("tcp", port, "fd00:dead:beef::1", true)] });
    expect(explicit.get("a")).toContain("cannot assign requested address");
  });

  it("a changed target moves the listener to it", async () => {
    const port = await freePort();
    await relay.apply({ a: [{ ...entry("tcp", port), toPort: 1 }] });
    await relay.apply({ a: [entry("tcp", port)] });
    expect(await tcpAsk("::1", port, "moved")).toBe("echo moved from 127.0.0.1");
  });
});

import { createSocket, type Socket } from "node:dgram";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DnsServer, serveDns, upstreamsOf } from "./dns-serve.js";
import {
  buildResponse,
  encodeName,
  parseQuery,
  RCODE_NOERROR,
  RCODE_NXDOMAIN,
  RCODE_SERVFAIL,
  TYPE_A,
  TYPE_PTR,
} from "./dns-wire.js";
import type { Member } from "./peers.js";

// Loopback addresses of their own (all of 127/8 is the host's): the server, an upstream that
// answers, and members that ask from their own address as a container's query arrives.
const SERVER = "127.53.0.1";
const UPSTREAM = "127.53.0.2";
const NOBODY = "127.53.0.4";
const A_IP = "127.53.1.2";
const B_IP = "127.53.1.3";
const PORT = 53;

function query(id: number, name: string, type: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2);
  h.writeUInt16BE(1, 4);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(type, 0);
  q.writeUInt16BE(1, 2);
  return Buffer.concat([h, encodeName(name), q]);
}

/** The answer's code and its records' data (addresses as text, a PTR's first label). */
function read(r: Buffer): { id: number; rcode: number; addrs: string[] } {
  const q = parseQuery(Buffer.from([...r.subarray(0, 2), 0, 0, ...r.subarray(4)]));
  const count = r.readUInt16BE(6);
  const addrs: string[] = [];
  let at = q?.questionEnd ?? 12;
  for (let i = 0; i < count; i++) {
    const len = r.readUInt16BE(at + 10);
    const data = r.subarray(at + 12, at + 12 + len);
    addrs.push(len === 4 ? [...data].join(".") : data.toString("latin1", 1, 1 + (data[0] ?? 0)));
    at += 12 + len;
  }
  return { id: r.readUInt16BE(0), rcode: r.readUInt16BE(2) & 0xf, addrs };
}

function ask(from: string, name: string, type = TYPE_A, id = 77): Promise<ReturnType<typeof read>> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    const t = setTimeout(() => {
      s.close();
      reject(new Error(`no answer for ${name}`));
    }, 5000);
    s.on("message", (msg) => {
      clearTimeout(t);
      s.close();
      resolve(read(msg));
    });
    s.bind(0, from, () => s.send(query(id, name, type), PORT, SERVER));
  });
}

function askTcp(name: string): Promise<ReturnType<typeof read>> {
  return new Promise((resolve, reject) => {
    const c = connect({ host: SERVER, port: PORT, localAddress: A_IP });
    let buf = Buffer.alloc(0);
    c.on("connect", () => {
      const q = query(5, name, TYPE_A);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(q.length);
      c.write(Buffer.concat([len, q]));
    });
    c.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        c.destroy();
        resolve(read(buf.subarray(2)));
      }
    });
    c.on("error", reject);
  });
}

describe("a network's DNS server, over UDP and TCP", () => {
  const dir = mkdtempSync(join(tmpdir(), "wharf-dns-"));
  const nets = join(dir, "networks");
  const [n1, n2] = ["1".repeat(64), "2".repeat(64)];
  let server: DnsServer;
  let upstream: Socket;
  const forwarded: string[] = [];
  const member = (ip: string, names: string[], networks: string[], dns?: string[]): Member => ({
    ip,
    names,
    base: "",
    hostsPath: "",
    networks,
    ...(dns ? { dns } : {}),
  });
  const writePeers = (id: string, peers: Record<string, Member>) =>
    writeFileSync(join(nets, id, "peers.json"), JSON.stringify(peers));

  beforeAll(async () => {
    for (const [id, name] of [
      [n1, "front"],
      [n2, "back"],
    ] as const) {
      mkdirSync(join(nets, id), { recursive: true });
      writeFileSync(join(nets, id, "config.json"), JSON.stringify({ Name: name }));
    }
    writePeers(n1, {
      a: member(A_IP, ["web", "shared"], [n1, n2], [UPSTREAM]),
      b: member(B_IP, ["cache", "shared"], [n1]),
      gone: member("127.53.1.9", ["old"], [n1]),
    });
    writePeers(n2, { a: member("127.53.2.2", ["web"], [n1, n2]), c: member("127.53.2.5", ["db"], [n2]) });
    writeFileSync(join(dir, "resolv.conf"), `search example\nnameserver ${NOBODY}\n`);
    // The upstream: ext.example is 192.0.2.7, anything else NXDOMAIN.
    upstream = createSocket("udp4");
    upstream.on("message", (msg, r) => {
      const q = parseQuery(msg);
      if (!q) return;
      forwarded.push(q.name);
      const found = q.name === "ext.example";
      const answers = found ? [{ type: TYPE_A, address: "192.0.2.7" } as const] : [];
      upstream.send(
        buildResponse(msg, q, found ? RCODE_NOERROR : RCODE_NXDOMAIN, answers),
        r.port,
        r.address,
      );
    });
    await new Promise<void>((res) => upstream.bind(PORT, UPSTREAM, () => res()));
    server = await serveDns({
      address: SERVER,
      network: n1,
      networksDir: nets,
      live: (id) => id !== "gone",
      resolvConf: join(dir, "resolv.conf"),
      forwardTimeoutMs: 300,
    });
  });
  afterAll(async () => {
    await server?.close();
    upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers the asker's networks' names, NAME.NETWORK and PTR, by who asks", async () => {
    expect(await ask(A_IP, "web")).toEqual({ id: 77, rcode: 0, addrs: [A_IP] });
    expect((await ask(A_IP, "db")).addrs).toEqual(["127.53.2.5"]);
    expect((await ask(A_IP, "web.back")).addrs).toEqual(["127.53.2.2"]);
    expect((await ask(A_IP, "5.2.53.127.in-addr.arpa", TYPE_PTR)).addrs).toEqual(["db"]);
    expect(new Set((await ask(B_IP, "shared")).addrs)).toEqual(new Set([A_IP, B_IP]));
    expect(server.liveMembers()).toBe(2);
  });

  it("forwards other names to the asker's --dns servers, NXDOMAIN relayed, over TCP too", async () => {
    expect(await ask(A_IP, "ext.example", TYPE_A, 4242)).toEqual({
      id: 4242,
      rcode: 0,
      addrs: ["192.0.2.7"],
    });
    expect((await ask(A_IP, "nope.example")).rcode).toBe(RCODE_NXDOMAIN);
    expect(forwarded).toEqual(["ext.example", "nope.example"]);
    // Over TCP, the server answers, and forwards over TCP (nothing listens there: SERVFAIL).
    expect((await askTcp("web")).addrs).toEqual([A_IP]);
    expect((await askTcp("ext.example")).rcode).toBe(RCODE_SERVFAIL);
  });

  it("does not answer a name of a network the asker is not on, nor a name to a stranger: the host's servers get it (none answers: SERVFAIL)", async () => {
    const r = await ask(B_IP, "db");
    expect(r.rcode).toBe(RCODE_SERVFAIL);
    expect(forwarded).not.toContain("db");
    // Nor any name to an address that is no member (another network's container through the host).
    expect((await ask("127.53.1.50", "web")).rcode).toBe(RCODE_SERVFAIL);
  });

  it("finds a member written after it started at once", async () => {
    expect((await ask(B_IP, "late")).rcode).toBe(RCODE_SERVFAIL);
    writePeers(n1, {
      a: member(A_IP, ["web", "shared"], [n1, n2], [UPSTREAM]),
      b: member(B_IP, ["cache", "shared"], [n1]),
      d: member("127.53.1.7", ["late"], [n1]),
    });
    expect((await ask(B_IP, "late")).addrs).toEqual(["127.53.1.7"]);
    expect(server.liveMembers()).toBe(3);
  });

  it("takes the host's name servers from its resolv.conf, Google's when it has none", () => {
    expect(upstreamsOf("search x\nnameserver 10.0.0.1\nnameserver 127.0.0.53\n")).toEqual([
      "10.0.0.1",
      "127.0.0.53",
    ]);
    expect(upstreamsOf("")).toEqual(["8.8.8.8", "8.8.4.4"]);
  });
});

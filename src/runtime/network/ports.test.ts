import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { execPlugin } from "./cni.js";
import { netnsName, PORTS_FILE } from "./layout.js";
import { portmapConfig } from "./plugins.js";
import { exposedPorts, releasePorts, reservePorts, wantedBindings } from "./ports.js";

const [a = "", b = ""] = ["e", "f"].map((c) => `${c.repeat(12)}${"1".repeat(52)}`);

function listen(port: number): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer().listen(port, "127.0.0.1", () => resolve(s));
  });
}

/** Whether `port` can be listened on, on both families ([::] with its IPv4 side). */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen({ host: "::", port }, () => s.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  const s = await listen(0);
  const addr = s.address();
  await new Promise((r) => s.close(r));
  return typeof addr === "object" && addr ? addr.port : 0;
}

describe("published ports", () => {
  for (const id of [a, b]) execFileSync("ip", ["netns", "add", netnsName(id)]);
  afterAll(async () => {
    await releasePorts(a);
    await releasePorts(b);
    for (const id of [a, b]) execFileSync("ip", ["netns", "delete", netnsName(id)], { stdio: "ignore" });
  });

  it("merges exposed ports as Docker does, and -P binds those -p did not", () => {
    const exposed = exposedPorts(
      { "80/tcp": {}, "53/udp": {} },
      ["8080"],
      [{ containerPort: 9000, protocol: "tcp", hostIp: "", hostPort: "9" }],
    );
    expect(exposed).toEqual(["53/udp", "80/tcp", "8080/tcp", "9000/tcp"]);
    const publish = [{ containerPort: 80, protocol: "tcp" as const, hostIp: "", hostPort: "8000" }];
    expect(
      wantedBindings(exposed, publish, true).map((p) => `${p.containerPort}/${p.protocol}:${p.hostPort}`),
    ).toEqual(["80/tcp:8000", "53/udp:", "8080/tcp:", "9000/tcp:"]);
    expect(wantedBindings(exposed, publish, false)).toEqual(publish);
  });

  it("reserves a port host-wide: another container, or a listening program, cannot have it", async () => {
    const port = await freePort();
    const [m] = await reservePorts(a, "web", "bridge", [
      { containerPort: 80, protocol: "tcp", hostIp: "", hostPort: String(port) },
    ]);
    expect(m).toEqual({ containerPort: 80, protocol: "tcp", hostIp: "", hostPort: port });
    expect(JSON.parse(readFileSync(PORTS_FILE, "utf8"))[`tcp/0.0.0.0/${port}`]).toBe(`${a} bridge`);
    await expect(
      reservePorts(b, "other", "bridge", [
        { containerPort: 81, protocol: "tcp", hostIp: "127.0.0.1", hostPort: String(port) },
      ]),
    ).rejects.toThrow(`Bind for 127.0.0.1:${port} failed: port is already allocated`);
    // udp is another port space
    await reservePorts(b, "other", "bridge", [
      { containerPort: 81, protocol: "udp", hostIp: "", hostPort: String(port) },
    ]);
    const busy = await listen(await freePort());
    const busyPort = (busy.address() as { port: number }).port;
    await expect(
      reservePorts(b, "other", "bridge", [
        { containerPort: 82, protocol: "tcp", hostIp: "127.0.0.1", hostPort: String(busyPort) },
      ]),
    ).rejects.toThrow(`listen tcp4 127.0.0.1:${busyPort}: bind: address already in use`);
    // A range whose every port is taken is refused.
    const [r] = await reservePorts(b, "other", "bridge", [
      { containerPort: 83, protocol: "tcp", hostIp: "127.0.0.1", hostPort: `${port}-${port}` },
    ]).catch(() => [undefined]);
    expect(r).toBeUndefined();
    await new Promise((res) => busy.close(res));
    await releasePorts(a);
    expect(JSON.parse(readFileSync(PORTS_FILE, "utf8"))[`tcp/0.0.0.0/${port}`]).toBeUndefined();
    const [again] = await reservePorts(b, "other", "bridge", [
      { containerPort: 80, protocol: "tcp", hostIp: "", hostPort: String(port) },
    ]);
    expect(again?.hostPort).toBe(port);
  });

  it("a port picked from a range skips one a program holds on [::] alone (the IPv6 relay's side)", async () => {
    // Two free ports in a row: the first held IPv6-only, the second free on both sides.
    let first = 0;
    let held: Server | undefined;
    for (let tries = 0; tries < 50 && !held; tries++) {
      const p = await freePort();
      const s = createServer();
      const ok = await new Promise<boolean>((res) => {
        s.once("error", () => res(false));
        s.listen({ host: "::", port: p, ipv6Only: true }, () => res(true));
      });
      if (ok && p < 65535 && (await canListen(p + 1))) {
        first = p;
        held = s;
      } else if (ok) await new Promise((r) => s.close(r));
    }
    if (!held) throw new Error("no two free ports in a row");
    try {
      const [m] = await reservePorts(a, "web", "bridge", [
        { containerPort: 80, protocol: "tcp", hostIp: "", hostPort: `${first}-${first + 1}` },
      ]);
      expect(m?.hostPort).toBe(first + 1);
      // An IPv4 host IP has no IPv6 side: the held port is taken.
      const [v4] = await reservePorts(b, "other", "bridge", [
        { containerPort: 80, protocol: "tcp", hostIp: "127.0.0.1", hostPort: `${first}-${first + 1}` },
      ]);
      expect(v4?.hostPort).toBe(first);
    } finally {
      await new Promise((r) => held?.close(r));
      await releasePorts(a);
      await releasePorts(b);
    }
  });

  it("gives a stale reservation (its container's namespace gone) to the next container, its DNAT rules removed", async () => {
    const port = await freePort();
    const gone = `${"9".repeat(64)}`;
    // The rules a container whose release was cut short left behind.
    await execPlugin({
      command: "ADD",
      containerId: gone,
      netns: `/run/netns/${netnsName(a)}`,
      ifname: "eth0",
      name: "bridge",
      config: portmapConfig([{ containerPort: 1, protocol: "tcp", hostIp: "", hostPort: port }], {
        cniVersion: "1.0.0",
        interfaces: [{ name: "eth0", sandbox: "/x" }],
        ips: [{ interface: 0, address: "10.254.0.9/24" }],
      }),
    });
    const nat = () => execFileSync("iptables-save", ["-t", "nat"], { encoding: "utf8" });
    expect(nat()).toContain(gone);
    await reservePorts(gone, "ghost", "bridge", [
      { containerPort: 1, protocol: "tcp", hostIp: "", hostPort: String(port) },
    ]);
    const [m] = await reservePorts(a, "web", "bridge", [
      { containerPort: 2, protocol: "tcp", hostIp: "", hostPort: String(port) },
    ]);
    expect(m?.hostPort).toBe(port);
    expect(nat()).not.toContain(gone);
  });
});

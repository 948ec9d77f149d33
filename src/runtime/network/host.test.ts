import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chainOf, ensureBridge, ownerTag, randomMac, reapOrphans, tearDown } from "./host.js";
import { formatCidr, hostRoutes } from "./ipv4.js";
import { allNetworks, createNetwork } from "./networks.js";
import { bridgeOf, readNetworks } from "./store.js";
import { listNetworks, removeNetwork } from "./verbs.js";

const iptablesSave = () => execFileSync("iptables-save", { encoding: "utf8" });
const ip6tablesSave = () => execFileSync("ip6tables-save", { encoding: "utf8" });

/** A network's bridges, routes and rules: real ones on this host (root). */
describe("bridge networks on the host", () => {
  const roots: string[] = [];
  const newRoot = () => {
    const r = mkdtempSync(join(tmpdir(), "wharf-net-host-"));
    roots.push(r);
    return { root: r };
  };
  afterAll(async () => {
    for (const root of roots) {
      for (const n of readNetworks({ root })) if (n.Driver === "bridge") await tearDown(bridgeOf(n), n.Id);
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("makes the predefined networks once, the default bridge up with its subnet routed and its rules", async () => {
    const ctx = newRoot();
    const nets = await allNetworks(ctx);
    expect(nets.map((n) => `${n.Name}/${n.Driver}`).sort()).toEqual([
      "bridge/bridge",
      "host/host",
      "none/null",
    ]);
    expect((await allNetworks(ctx)).map((n) => n.Id).sort()).toEqual(nets.map((n) => n.Id).sort());
    const bridge = nets.find((n) => n.Name === "bridge");
    if (!bridge) throw new Error("no bridge");
    const br = bridgeOf(bridge);
    expect(readFileSync(`/sys/class/net/${br}/ifalias`, "utf8").trim()).toBe(ownerTag(ctx, bridge.Id));
    expect(readFileSync(`/proc/sys/net/ipv4/conf/${br}/route_localnet`, "utf8").trim()).toBe("1");
    const subnet = bridge.IPAM.Config[0]?.Subnet ?? "";
    expect(hostRoutes().some((r) => r.iface === br && formatCidr(r.subnet) === subnet)).toBe(true);
    const rules = iptablesSave();
    const chain = chainOf(bridge.Id);
    expect(rules).toContain(`-A POSTROUTING -j ${chain}`);
    expect(rules).toContain(`-A ${chain} -s ${subnet} ! -o ${br} -j MASQUERADE`);
    expect(rules).toContain(`-A FORWARD -j ${chain}`);
    expect(rules).toContain(`-A ${chain} -i ${br} -o wharf-+ -j DROP`);
  });

  it("gives two roots' networks different subnets, and refuses a name twice and an overlapping --subnet", async () => {
    const a = newRoot();
    const b = newRoot();
    const na = await createNetwork(a, { name: "n1" });
    const nb = await createNetwork(b, { name: "n1" });
    expect(na.IPAM.Config[0]?.Subnet).not.toBe(nb.IPAM.Config[0]?.Subnet);
    await expect(createNetwork(a, { name: "n1" })).rejects.toThrow("network with name n1 already exists");
    await expect(createNetwork(a, { name: "n2", subnet: na.IPAM.Config[0]?.Subnet ?? "" })).rejects.toThrow(
      "Pool overlaps with other one on this address space",
    );
    await expect(
      createNetwork(a, { name: "n3", subnet: "10.1.2.0/24", gateway: "10.9.9.9" }),
    ).rejects.toThrow("no matching subnet for gateway 10.9.9.9");
    await expect(createNetwork(a, { name: "bad name" })).rejects.toThrow('invalid network name "bad name"');
    await expect(createNetwork(a, { name: "m", driver: "overlay" })).rejects.toThrow(
      'plugin "overlay" not found',
    );
    const c = await createNetwork(a, {
      name: "n4",
      subnet: "10.231.9.0/24",
      ipRange: "10.231.9.128/25",
      internal: true,
    });
    expect(c.IPAM.Config[0]).toEqual({
      Subnet: "10.231.9.0/24",
      Gateway: "10.231.9.1",
      IPRange: "10.231.9.128/25",
    });
    expect(iptablesSave()).toContain(`-A ${chainOf(c.Id)} -i ${bridgeOf(c)} -j DROP`);
  });

  it("sets each bridge's MAC address, so that a port joining with a lower one leaves it; an older wharf's bridge is pinned at its next use", async () => {
    const ctx = newRoot();
    const n = await createNetwork(ctx, { name: "macs" });
    const br = bridgeOf(n);
    const sys = (f: string) => readFileSync(`/sys/class/net/${br}/${f}`, "utf8").trim();
    const ip = (...args: string[]) => execFileSync("ip", args, { encoding: "utf8" });
    // 3: NET_ADDR_SET, the kernel no longer follows the ports' addresses.
    expect(sys("addr_assign_type")).toBe("3");
    const mac = sys("address");
    const port = `wmac${process.pid % 100000}`;
    const joinLowest = () => {
      ip("link", "add", port, "type", "veth", "peer", "name", `${port}p`);
      ip("link", "set", port, "address", "02:00:00:00:00:01", "master", br, "up");
    };
    try {
      joinLowest();
      expect(sys("address")).toBe(mac);
      ip("link", "delete", port);
      // As an older wharf made it: no address given, so it takes its lowest port's.
      ip("link", "delete", br);
      ip("link", "add", "name", br, "type", "bridge");
      ip("link", "set", "dev", br, "alias", ownerTag(ctx, n.Id));
      joinLowest();
      expect(sys("address")).toBe("02:00:00:00:00:01");
      ip("link", "delete", port);
      expect(await ensureBridge(ctx, n)).toBe(true);
      expect(sys("addr_assign_type")).toBe("3");
      const kept = sys("address");
      joinLowest();
      ip("link", "set", port, "address", "02:00:00:00:00:00");
      expect(sys("address")).toBe(kept);
    } finally {
      // Gone already when an expectation failed after its delete.
      spawnSync("ip", ["link", "delete", port], { stdio: "ignore" });
    }
    for (let i = 0; i < 20; i++) expect(randomMac()).toMatch(/^[0-9a-f][26ae](:[0-9a-f]{2}){5}$/);
  });

  it("network rm takes the bridge and its rules; the predefined ones stay", async () => {
    const ctx = newRoot();
    const n = await createNetwork(ctx, { name: "gone" });
    expect(existsSync(`/sys/class/net/${bridgeOf(n)}`)).toBe(true);
    expect(await removeNetwork(ctx, "gone")).toBe("gone");
    expect(existsSync(`/sys/class/net/${bridgeOf(n)}`)).toBe(false);
    expect(iptablesSave()).not.toContain(chainOf(n.Id));
    expect((await listNetworks(ctx)).map((x) => x.Name)).toEqual(["bridge", "host", "none"]);
    await expect(removeNetwork(ctx, "bridge")).rejects.toThrow(
      "bridge is a pre-defined network and cannot be removed",
    );
    await expect(removeNetwork(ctx, "nosuch")).rejects.toThrow("network nosuch not found");
  });

  it("removes the bridges of a root that is gone (its rules too), and no other's", async () => {
    const kept = newRoot();
    const doomed = { root: mkdtempSync(join(tmpdir(), "wharf-net-doomed-")) };
    const k = await createNetwork(kept, { name: "k" });
    const d = await createNetwork(doomed, { name: "d" });
    rmSync(doomed.root, { recursive: true, force: true });
    const reaped = await reapOrphans();
    expect(reaped).toContain(bridgeOf(d));
    expect(reaped).not.toContain(bridgeOf(k));
    expect(existsSync(`/sys/class/net/${bridgeOf(d)}`)).toBe(false);
    expect(iptablesSave()).not.toContain(chainOf(d.Id));
    expect(existsSync(`/sys/class/net/${bridgeOf(k)}`)).toBe(true);
  });

  it("a dual-stack network: the IPv6 gateway on its bridge, its ip6tables chain; both go with a root that is gone", async () => {
    const doomed = { root: mkdtempSync(join(tmpdir(), "wharf-net-doomed6-")) };
    const d = await createNetwork(doomed, { name: "d6", ipv6: true, subnet6: "fd00:e2d:6::/64" });
    const plain = newRoot();
    const p = await createNetwork(plain, { name: "p4" });
    const br = bridgeOf(d);
    expect(d.EnableIPv6).toBe(true);
    expect(d.IPAM.Config[1]).toEqual({ Subnet: "fd00:e2d:6::/64", Gateway: "fd00:e2d:6::1" });
    expect(execFileSync("ip", ["-6", "addr", "show", "dev", br], { encoding: "utf8" })).toContain(
      "inet6 fd00:e2d:6::1/64 scope global",
    );
    const rules = ip6tablesSave();
    expect(rules).toContain(`-A ${chainOf(d.Id)} -s fd00:e2d:6::/64 ! -o ${br} -j MASQUERADE`);
    // An IPv4-only network has no ip6tables chain.
    expect(rules).not.toContain(chainOf(p.Id));
    rmSync(doomed.root, { recursive: true, force: true });
    expect(await reapOrphans()).toContain(br);
    expect(existsSync(`/sys/class/net/${br}`)).toBe(false);
    expect(iptablesSave()).not.toContain(chainOf(d.Id));
    expect(ip6tablesSave()).not.toContain(chainOf(d.Id));
  });
});

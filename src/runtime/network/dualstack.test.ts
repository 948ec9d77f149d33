import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { execPlugin, resultAddress, resultAddress6 } from "./cni.js";
import { ipamDir } from "./layout.js";
import { bridgeConfig, releaseAddress } from "./plugins.js";
import type { NetworkRecord } from "./store.js";
import { sweepAddresses } from "./sweep.js";

const A = "a".repeat(64);
const B = "b".repeat(64);

function network(ipv6: boolean, extra: Partial<NetworkRecord> = {}): NetworkRecord {
  return {
    Name: ipv6 ? "dual" : "four",
    Id: (ipv6 ? "d" : "f").repeat(64),
    Created: "",
    Scope: "local",
    Driver: "bridge",
    EnableIPv6: ipv6,
    IPAM: {
      Driver: "default",
      Options: null,
      Config: [
        { Subnet: "10.252.0.0/24", Gateway: "10.252.0.1" },
        ...(ipv6 ? [{ Subnet: "fd00:252::/64", Gateway: "fd00:252::1", IPRange: "fd00:252::100/120" }] : []),
      ],
    },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: "" },
    ConfigOnly: false,
    Options: { "com.docker.network.bridge.name": "wharf-test" },
    Labels: {},
    ...extra,
  };
}

describe("a dual-stack network's addresses (host-local itself)", () => {
  const root = mkdtempSync(join(tmpdir(), "wharf-dual-"));
  const ctx = { root };
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("an IPv4-only network's configuration has one range set and no IPv6 route", () => {
    const c = bridgeConfig(ctx, network(false)) as unknown as {
      ipam: { ranges: unknown[]; routes: unknown[] };
    };
    expect(c.ipam.ranges).toEqual([[{ subnet: "10.252.0.0/24", gateway: "10.252.0.1" }]]);
    expect(c.ipam.routes).toEqual([{ dst: "0.0.0.0/0" }]);
    expect(JSON.stringify(c)).not.toContain("::");
  });

  it("a dual-stack one has a range set per family, a default route of each, --ip-range as start and end", () => {
    const c = bridgeConfig(ctx, network(true)) as unknown as {
      ipam: { ranges: unknown[]; routes: unknown[] };
    };
    expect(c.ipam.ranges).toEqual([
      [{ subnet: "10.252.0.0/24", gateway: "10.252.0.1" }],
      [
        {
          subnet: "fd00:252::/64",
          gateway: "fd00:252::1",
          rangeStart: "fd00:252::100",
          rangeEnd: "fd00:252::1ff",
        },
      ],
    ]);
    expect(c.ipam.routes).toEqual([{ dst: "0.0.0.0/0" }, { dst: "::/0" }]);
    const internal = bridgeConfig(ctx, network(true, { Internal: true })) as unknown as {
      ipam: { routes: unknown[] };
    };
    expect(internal.ipam.routes).toEqual([]);
  });

  const add = async (net: NetworkRecord, id: string, ip6?: string) => {
    const r = await execPlugin({
      command: "ADD",
      containerId: id,
      netns: "/proc/self/ns/net",
      ifname: "eth0",
      name: net.Name,
      plugin: "host-local",
      config: bridgeConfig(ctx, net, ip6),
    });
    return { ...resultAddress(r, "eth0"), ...resultAddress6(r, "eth0") };
  };

  it("hands out one address of each family (--ip6: the one asked) and gives both back", async () => {
    const net = network(true);
    const store = join(ipamDir(ctx, net.Id), net.Name);
    const a = await add(net, A, "fd00:252::150");
    expect(a.ip).toMatch(/^10\.252\.0\.\d+$/);
    expect(a.ip6).toBe("fd00:252::150");
    expect(a.prefixLen6).toBe(64);
    expect(a.gateway6).toBe("fd00:252::1");
    const b = await add(net, B);
    // From the --ip-range (fd00:252::100 to ::1ff), another than A's.
    expect(b.ip6).toMatch(/^fd00:252::1[0-9a-f]{2}$/);
    expect(b.ip6).not.toBe(a.ip6);
    expect(readdirSync(store)).toEqual(expect.arrayContaining([a.ip, a.ip6, b.ip, b.ip6]));
    // The record's addresses: both files removed without host-local.
    await releaseAddress(ctx, net, A, "eth0", a.ip, a.ip6);
    expect(existsSync(join(store, a.ip as string))).toBe(false);
    expect(existsSync(join(store, a.ip6 as string))).toBe(false);
    // A record without the IPv6 address: host-local's DEL gives back both.
    await releaseAddress(ctx, net, B, "eth0", b.ip);
    expect(readdirSync(store).filter((f) => /^[\d.]+$|:/.test(f))).toEqual([]);
  });

  it("a sweep gives back both addresses of a container that is gone", async () => {
    const net = network(true);
    const store = join(ipamDir(ctx, net.Id), net.Name);
    const a = await add(net, A);
    expect(readdirSync(store)).toEqual(expect.arrayContaining([a.ip, a.ip6]));
    expect(await sweepAddresses(ctx, net)).toBeGreaterThanOrEqual(1);
    expect(readdirSync(store).filter((f) => /^[\d.]+$|:/.test(f))).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import {
  contains,
  defaultPools,
  formatCidr,
  formatIp,
  freePool,
  hostRoutes,
  lastAddress,
  overlaps,
  parseCidr,
  parseIp,
} from "./ipv4.js";

describe("ipv4", () => {
  it("parses and formats addresses, refusing what is not one", () => {
    expect(formatIp(parseIp("172.17.0.2") as number)).toBe("172.17.0.2");
    expect(parseIp("255.255.255.255")).toBe(0xffffffff);
    for (const bad of ["256.1.1.1", "1.2.3", "01.2.3.4", "a.b.c.d", "1.2.3.4.5", ""])
      expect(parseIp(bad)).toBeUndefined();
  });

  it("reads subnets, strictly when asked", () => {
    expect(formatCidr(parseCidr("10.1.2.3/16") ?? { base: 0, prefix: 0 })).toBe("10.1.0.0/16");
    expect(parseCidr("10.1.2.3/16", true)).toBeUndefined();
    expect(parseCidr("10.1.0.0/33")).toBeUndefined();
    expect(parseCidr("10.1.0.0")).toBeUndefined();
    const s = parseCidr("192.168.16.0/20") ?? { base: 0, prefix: 0 };
    expect(contains(s, parseIp("192.168.31.255") as number)).toBe(true);
    expect(contains(s, parseIp("192.168.32.0") as number)).toBe(false);
    expect(formatIp(lastAddress(s))).toBe("192.168.31.255");
  });

  it("finds overlaps and the first free default pool, in Docker's order", () => {
    const a = parseCidr("172.17.0.0/16") as { base: number; prefix: number };
    expect(overlaps(a, parseCidr("172.17.5.0/24") as typeof a)).toBe(true);
    expect(overlaps(a, parseCidr("172.18.0.0/16") as typeof a)).toBe(false);
    const pools = defaultPools();
    expect(formatCidr(pools[0] as typeof a)).toBe("172.17.0.0/16");
    expect(formatCidr(pools[15] as typeof a)).toBe("192.168.0.0/20");
    expect(pools).toHaveLength(31);
    const taken = [a, parseCidr("172.18.3.0/24") as typeof a];
    expect(formatCidr(freePool(pools, taken) as typeof a)).toBe("172.19.0.0/16");
  });

  it("reads the host's routes from /proc/net/route's little-endian hex", () => {
    const text = [
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
      "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0",
      "br0\t00007C0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
    ].join("\n");
    const routes = hostRoutes(text);
    expect(routes.map((r) => `${r.iface} ${formatCidr(r.subnet)}`)).toEqual(["br0 10.124.0.0/24"]);
  });
});

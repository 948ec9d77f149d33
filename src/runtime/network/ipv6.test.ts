import { describe, expect, it } from "vitest";
import {
  contains6,
  formatCidr6,
  formatIp6,
  freeUla64,
  hostRoutes6,
  lastAddress6,
  overlaps6,
  parseCidr6,
  parseIp6,
} from "./ipv6.js";

describe("IPv6 addresses and subnets", () => {
  it("parses RFC 4291's text forms and writes RFC 5952's", () => {
    const cases: [string, string][] = [
      ["::", "::"],
      ["::1", "::1"],
      ["fd00:1:2::", "fd00:1:2::"],
      ["FD00:0001:0002:0000:0000:0000:0000:0050", "fd00:1:2::50"],
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
      ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
      ["::ffff:192.0.2.1", "::ffff:c000:201"],
      ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ];
    for (const [text, canonical] of cases) {
      const n = parseIp6(text);
      expect(n, text).toBeDefined();
      expect(formatIp6(n as bigint)).toBe(canonical);
    }
    for (const bad of [
      "",
      "1.2.3.4",
      "fd00::1::2",
      "fd00:zz::",
      "1:2:3:4:5:6:7:8:9",
      "12345::",
      "fe80::1%eth0",
      ":::",
    ]) {
      expect(parseIp6(bad), bad).toBeUndefined();
    }
  });

  it("reads subnets (strictly: no host bits) and answers containment and overlap", () => {
    const s = parseCidr6("fd00:1:2::/64") as { base: bigint; prefix: number };
    expect(formatCidr6(s)).toBe("fd00:1:2::/64");
    expect(parseCidr6("fd00:1:2::5/64", true)).toBeUndefined();
    expect(formatCidr6(parseCidr6("fd00:1:2::5/64") as { base: bigint; prefix: number })).toBe(
      "fd00:1:2::/64",
    );
    expect(parseCidr6("fd00::/129")).toBeUndefined();
    expect(parseCidr6("fd00::")).toBeUndefined();
    expect(contains6(s, parseIp6("fd00:1:2::50") as bigint)).toBe(true);
    expect(contains6(s, parseIp6("fd00:1:3::50") as bigint)).toBe(false);
    expect(formatIp6(lastAddress6(s))).toBe("fd00:1:2:0:ffff:ffff:ffff:ffff");
    const wide = parseCidr6("fd00:1::/32") as { base: bigint; prefix: number };
    expect(overlaps6(s, wide)).toBe(true);
    expect(overlaps6(s, parseCidr6("fd00:1:3::/64") as { base: bigint; prefix: number })).toBe(false);
  });

  it("gives the first free /64 of the root's ULA /48 (fd + 40-bit Global ID)", () => {
    const id = 0x9ff255831dn;
    const first = freeUla64(id, []) as { base: bigint; prefix: number };
    expect(formatCidr6(first)).toBe("fd9f:f255:831d::/64");
    const next = freeUla64(id, [first]) as { base: bigint; prefix: number };
    expect(formatCidr6(next)).toBe("fd9f:f255:831d:1::/64");
    // A host route over the whole /48 leaves none.
    expect(
      freeUla64(id, [parseCidr6("fd9f:f255:831d::/48") as { base: bigint; prefix: number }]),
    ).toBeUndefined();
  });

  it("reads the host's IPv6 subnet routes, without default, host, link-local and multicast ones", () => {
    const text = [
      "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0",
      "fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0",
      "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000001 00000000 00000003     eth0",
      "fd000000000000000000000000000002 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001     eth0",
      "ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000004 00000000 00000001     eth0",
    ].join("\n");
    expect(hostRoutes6(text).map((r) => `${r.iface} ${formatCidr6(r.subnet)}`)).toEqual(["eth0 fd00::/64"]);
  });
});

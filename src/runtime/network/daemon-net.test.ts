import { describe, expect, it } from "vitest";
import {
  bridgeDiffers,
  DOCKER_POOLS,
  defaultBridgeOptions,
  firstFree,
  fixedBridgeConfig,
  parseNetworkDefaults,
} from "./daemon-net.js";
import { defaultPools, formatCidr, parseCidr, type Subnet } from "./ipv4.js";
import type { NetworkRecord } from "./store.js";

const parse = (keys: Record<string, unknown>) => parseNetworkDefaults("/etc/docker/daemon.json", keys);
const cidr = (s: string) => parseCidr(s) as Subnet;

function bridge(
  config: NetworkRecord["IPAM"]["Config"],
  options = defaultBridgeOptions(undefined),
): NetworkRecord {
  return {
    Name: "bridge",
    Id: "0".repeat(64),
    Created: "",
    Scope: "local",
    Driver: "bridge",
    EnableIPv6: config.some((c) => c.Subnet.includes(":")),
    IPAM: { Driver: "default", Options: null, Config: config },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: "" },
    ConfigOnly: false,
    Options: options,
    Labels: {},
  };
}

describe("daemon.json's network settings", () => {
  it("takes each key Docker's way; none gives Docker's defaults", () => {
    expect(parse({})).toEqual({});
    expect(parse({ "registry-mirrors": [], iptables: true, mtu: 0, ip: "0.0.0.0", icc: true })).toEqual({});
    const d = parse({
      "default-address-pools": [
        { base: "10.10.0.0/16", size: 24 },
        { base: "fd00:1::/48", size: 64 },
      ],
      bip: "10.20.0.5/24",
      "fixed-cidr": "10.20.0.128/25",
      ipv6: true,
      "fixed-cidr-v6": "fd00:2::/64",
      mtu: 1400,
      icc: false,
      ip: "127.0.0.1",
      "userland-proxy": false,
    });
    expect(d.pools).toEqual([{ base: cidr("10.10.0.0/16"), size: 24 }]);
    expect(d).toMatchObject({
      ipv6: true,
      fixedCidrV6: "fd00:2::/64",
      mtu: 1400,
      icc: false,
      ip: "127.0.0.1",
    });
    expect(d.userlandProxy).toBe(false);
    expect(fixedBridgeConfig(d)).toEqual({
      Subnet: "10.20.0.0/24",
      Gateway: "10.20.0.5",
      IPRange: "10.20.0.128/25",
    });
    expect(fixedBridgeConfig(parse({ "fixed-cidr": "10.30.1.0/24" }))).toEqual({
      Subnet: "10.30.1.0/24",
      Gateway: "10.30.1.1",
    });
    expect(defaultBridgeOptions(d)).toMatchObject({
      "com.docker.network.bridge.enable_icc": "false",
      "com.docker.network.bridge.host_binding_ipv4": "127.0.0.1",
      "com.docker.network.driver.mtu": "1400",
    });
  });

  it("refuses a malformed value, and iptables=false, saying which", () => {
    const refused = (keys: Record<string, unknown>, words: string) =>
      expect(() => parse(keys)).toThrow(words);
    refused({ "default-address-pools": { base: "10.0.0.0/8" } }, "default-address-pools must be a list");
    refused({ "default-address-pools": [{ base: "10.0.0.0/8" }] }, "invalid default address pool");
    refused({ "default-address-pools": [{ base: "10.0.0/8", size: 24 }] }, 'invalid base pool "10.0.0/8"');
    refused({ "default-address-pools": [{ base: "10.0.0.0/16", size: 8 }] }, "invalid pools size: 8");
    refused({ bip: "10.1.2.0/24" }, "invalid bip");
    refused({ bip: "10.1.2" }, "invalid bip");
    refused({ bip: "10.1.2.1/24", "fixed-cidr": "10.1.3.0/25" }, "is not within the bip subnet 10.1.2.0/24");
    refused({ "fixed-cidr-v6": "fd00::1::/64" }, "invalid fixed-cidr-v6");
    refused({ mtu: "1400" }, "mtu must be a number");
    refused({ mtu: 20 }, "invalid MTU 20");
    refused({ ip: "localhost" }, "invalid IP address: localhost");
    refused({ icc: "no" }, "icc must be a boolean");
    refused({ iptables: false }, "iptables=false is not supported by wharf");
    expect(() => parse({ mtu: 20 })).toThrow("unable to configure wharf with file /etc/docker/daemon.json");
  });

  it("cuts pools into subnets, skipping the taken ones; Docker's pools are ipv4.ts's", () => {
    const pools = [{ base: cidr("10.10.0.0/16"), size: 24 }];
    expect(formatCidr(firstFree(pools, []) as Subnet)).toBe("10.10.0.0/24");
    expect(formatCidr(firstFree(pools, [cidr("10.10.0.0/23"), cidr("10.10.3.0/24")]) as Subnet)).toBe(
      "10.10.2.0/24",
    );
    expect(firstFree([{ base: cidr("10.10.0.0/24"), size: 25 }], [cidr("10.10.0.0/24")])).toBeUndefined();
    const all: string[] = [];
    const taken: Subnet[] = [];
    for (let s = firstFree(DOCKER_POOLS, taken); s; s = firstFree(DOCKER_POOLS, taken)) {
      all.push(formatCidr(s));
      taken.push(s);
    }
    expect(all).toEqual(defaultPools().map(formatCidr));
  });

  it("tells a default bridge made with other settings", () => {
    const plain = bridge([{ Subnet: "172.17.0.0/16", Gateway: "172.17.0.1" }]);
    expect(bridgeDiffers(plain, undefined)).toBe(false);
    expect(bridgeDiffers(bridge([{ Subnet: "192.168.16.0/20", Gateway: "192.168.16.1" }]), undefined)).toBe(
      false,
    );
    expect(bridgeDiffers(plain, parse({ mtu: 1400 }))).toBe(true);
    expect(bridgeDiffers(plain, parse({ icc: false }))).toBe(true);
    expect(bridgeDiffers(plain, parse({ bip: "10.9.0.1/24" }))).toBe(true);
    expect(
      bridgeDiffers(plain, parse({ "default-address-pools": [{ base: "10.9.0.0/16", size: 24 }] })),
    ).toBe(true);
    expect(bridgeDiffers(plain, parse({ ipv6: true }))).toBe(true);
    // daemon.json's bridge, then daemon.json gone: Docker's defaults again.
    const d = parse({ bip: "10.9.0.1/24", mtu: 1400 });
    const custom = bridge(
      [fixedBridgeConfig(d) as NetworkRecord["IPAM"]["Config"][number]],
      defaultBridgeOptions(d),
    );
    expect(bridgeDiffers(custom, d)).toBe(false);
    expect(bridgeDiffers(custom, undefined)).toBe(true);
    const d6 = parse({ ipv6: true, "fixed-cidr-v6": "fd00:5::/64" });
    const six = bridge([
      { Subnet: "172.17.0.0/16", Gateway: "172.17.0.1" },
      { Subnet: "fd00:5::/64", Gateway: "fd00:5::1" },
    ]);
    expect(bridgeDiffers(six, d6)).toBe(false);
    expect(bridgeDiffers(six, parse({ ipv6: true, "fixed-cidr-v6": "fd00:6::/64" }))).toBe(true);
  });
});

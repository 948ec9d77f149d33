import { describe, expect, it } from "vitest";
import { parseFlags } from "../flags.js";
import { RUN_FLAGS, runOptionsOf } from "./container-flags.js";
import { checkLinkLocalIps } from "./network-flags.js";

const opts = (...argv: string[]) => runOptionsOf(parseFlags([...argv, "img"], RUN_FLAGS, false), [], {});

describe("--link-local-ip", () => {
  it("takes IPv4 and IPv6 addresses, repeated, on the primary network's endpoint", async () => {
    const o = await opts("--link-local-ip", "169.254.10.20", "--link-local-ip", "fe80::42");
    expect(o.endpoints).toEqual([{ network: "bridge", linkLocalIps: ["169.254.10.20", "fe80::42"] }]);
    const named = await opts("--network", "net1", "--ip", "10.9.0.5", "--link-local-ip", "169.254.1.1");
    expect(named.endpoints).toEqual([{ network: "net1", ip: "10.9.0.5", linkLocalIps: ["169.254.1.1"] }]);
    expect((await opts()).endpoints).toBeUndefined();
  });

  it("refuses what is not an address, and the unspecified ones, in Docker's words", async () => {
    for (const bad of ["baz", "", "169.254.1", "169.254.01.2", "fe80::1%eth0", "0.0.0.0", "::", "0:0::0"]) {
      expect(() => checkLinkLocalIps([bad])).toThrow(`invalid link-local IP address: ${bad}`);
    }
    await expect(opts("--link-local-ip", "nope")).rejects.toThrow("invalid link-local IP address: nope");
    // As Docker's daemon, the range is not checked.
    expect(checkLinkLocalIps(["10.1.2.3", "2001:db8::1"])).toEqual(["10.1.2.3", "2001:db8::1"]);
  });
});

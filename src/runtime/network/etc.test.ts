import { describe, expect, it } from "vitest";
import { extraHostLine, hostsFile, resolvConf, withUserEntries } from "./etc.js";

describe("/etc files as Docker writes them", () => {
  it("hosts: the defaults, --add-host lines, then the container's own address and name", () => {
    expect(
      hostsFile({
        hostname: "abc",
        ip: "172.17.0.2",
        extraHosts: ["db:10.0.0.5", "gw:host-gateway"],
        gateway: "172.17.0.1",
      }),
    ).toBe(
      [
        "127.0.0.1\tlocalhost",
        "::1\tlocalhost ip6-localhost ip6-loopback",
        "fe00::0\tip6-localnet",
        "ff00::0\tip6-mcastprefix",
        "ff02::1\tip6-allnodes",
        "ff02::2\tip6-allrouters",
        "10.0.0.5\tdb",
        "172.17.0.1\tgw",
        "172.17.0.2\tabc",
        "",
      ].join("\n"),
    );
    expect(hostsFile({ hostname: "abc" })).not.toContain("abc");
    expect(extraHostLine("v6=[::1]", "")).toBe("::1\tv6");
  });

  it("resolv.conf: the host's without localhost servers, Google's when none is left", () => {
    const host =
      "# a comment\nsearch example.com\nnameserver 127.0.0.53\nnameserver 10.0.0.2\noptions edns0\n";
    expect(resolvConf(host)).toBe("# a comment\nsearch example.com\nnameserver 10.0.0.2\noptions edns0\n");
    expect(resolvConf("nameserver 127.0.0.1\nnameserver ::1\n")).toBe(
      "nameserver 8.8.8.8\nnameserver 8.8.4.4\n",
    );
  });

  it("resolv.conf: --dns, --dns-search and --dns-option replace the host's", () => {
    const host = "search example.com\nnameserver 10.0.0.2\noptions edns0\n";
    expect(resolvConf(host, { dns: ["1.1.1.1"] })).toBe(
      "search example.com\nnameserver 1.1.1.1\noptions edns0\n",
    );
    expect(resolvConf(host, { dnsSearch: ["a.b", "c.d"], dnsOptions: ["ndots:2"] })).toBe(
      "search a.b c.d\nnameserver 10.0.0.2\noptions ndots:2\n",
    );
    expect(resolvConf(host, { dnsSearch: ["."] })).toBe("nameserver 10.0.0.2\noptions edns0\n");
  });

  it("adds --add-host and --dns to the files of a container without a bridge", () => {
    const r = withUserEntries("127.0.0.1\tlocalhost\n", "nameserver 10.0.0.2\n", {
      extraHosts: ["x:1.2.3.4"],
      dns: ["9.9.9.9"],
    });
    expect(r).toEqual({ hosts: "127.0.0.1\tlocalhost\n1.2.3.4\tx\n", resolv: "nameserver 9.9.9.9\n" });
  });
});

describe("/etc/hosts on a dual-stack network", () => {
  it("has the container's IPv6 address on a line of its own after the IPv4 one, as Docker writes it", () => {
    const text = hostsFile({ hostname: "box", ip: "172.20.0.2", ip6: "fd00:1:2::2" });
    expect(text.endsWith("172.20.0.2\tbox\nfd00:1:2::2\tbox\n")).toBe(true);
    expect(hostsFile({ hostname: "box", ip: "172.20.0.2" })).not.toContain("fd00:1:2::2");
  });
});

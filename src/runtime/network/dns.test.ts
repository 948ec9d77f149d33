import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dnsRules, dnsServerPid, embeddedResolvConf } from "./dns.js";

describe("the embedded DNS of a user network (what a start writes)", () => {
  const host =
    "# host\nsearch corp.example lab\nnameserver 127.0.0.53\nnameserver 10.0.0.2\noptions edns0 trust-ad\n";

  it("resolv.conf: 127.0.0.11, the host's search domains and options, ndots:0 added", () => {
    expect(embeddedResolvConf(host)).toBe(
      "nameserver 127.0.0.11\nsearch corp.example lab\noptions edns0 trust-ad ndots:0\n",
    );
    expect(embeddedResolvConf("nameserver 10.0.0.2\n")).toBe("nameserver 127.0.0.11\noptions ndots:0\n");
  });

  it("resolv.conf: --dns-search and --dns-option replace the host's; --dns is not written (forwarded to)", () => {
    expect(
      embeddedResolvConf(host, {
        dns: ["10.9.9.9"],
        dnsSearch: ["svc.local"],
        dnsOptions: ["ndots:2", "timeout:1"],
      }),
    ).toBe("nameserver 127.0.0.11\nsearch svc.local\noptions ndots:2 timeout:1\n");
    expect(embeddedResolvConf(host, { dnsSearch: ["."] })).toBe(
      "nameserver 127.0.0.11\noptions edns0 trust-ad ndots:0\n",
    );
  });

  it("the namespace's rules: 127.0.0.11:53 (UDP, TCP) to the gateway, loopback sources masqueraded", () => {
    expect(dnsRules("172.19.0.1")).toBe(
      [
        "*nat",
        ":OUTPUT ACCEPT [0:0]",
        ":POSTROUTING ACCEPT [0:0]",
        "-A OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 172.19.0.1:53",
        "-A OUTPUT -d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 172.19.0.1:53",
        "-A POSTROUTING -s 127.0.0.0/8 -d 172.19.0.1/32 -j MASQUERADE",
        "COMMIT",
      ].join("\n"),
    );
  });

  it("a server runs when its PID file names a live process of that network's server", async () => {
    const root = mkdtempSync(join(tmpdir(), "wharf-dns-pid-"));
    const ctx = { root } as never;
    const net = "1".repeat(64);
    mkdirSync(join(root, "networks", net), { recursive: true });
    const pidFile = join(root, "networks", net, "dns.pid");
    try {
      expect(dnsServerPid(ctx, net)).toBeUndefined();
      // A live process that is not the server (a PID reused): none.
      writeFileSync(pidFile, `${process.pid}\n`);
      expect(dnsServerPid(ctx, net)).toBeUndefined();
      const server = spawn("sh", ["-c", "sleep 30", "dns-server.js", JSON.stringify({ network: net })]);
      writeFileSync(pidFile, `${server.pid}\n`);
      expect(dnsServerPid(ctx, net)).toBe(server.pid);
      expect(dnsServerPid(ctx, "2".repeat(64))).toBeUndefined();
      const ended = new Promise((r) => server.once("exit", r));
      server.kill();
      await ended;
      expect(dnsServerPid(ctx, net)).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

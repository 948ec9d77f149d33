import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { PluginCall } from "./cni.js";
import { dnsRules } from "./dns.js";
import { netnsName, netnsPath } from "./layout.js";
import { createNetns, deleteNetns } from "./netns.js";

// The namespace, the gate's FIFO, `lo` and the first bridge ADD in one child (as root: a namespace).
describe.runIf(process.getuid?.() === 0)("a container's namespace and its first ADD", () => {
  const dir = mkdtempSync(join(tmpdir(), "wharf-netns-"));
  const saved = process.env.CNI_PATH;
  process.env.CNI_PATH = dir;
  const ids: string[] = [];
  afterAll(async () => {
    for (const id of ids) await deleteNetns(id);
    if (saved === undefined) delete process.env.CNI_PATH;
    else process.env.CNI_PATH = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (id: string, type: string): PluginCall => ({
    command: "ADD",
    containerId: id,
    netns: netnsPath(id),
    ifname: "eth0",
    name: "testnet",
    config: { type },
  });
  const newId = () => {
    const id = `${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`.padEnd(64, "0");
    ids.push(id);
    return id;
  };

  it("makes the namespace and the FIFO, raises lo, and runs the plugin with the CNI variables", async () => {
    // The plugin: its environment and stdin in its result, and what it sees of the namespace.
    writeFileSync(
      join(dir, "fake-bridge"),
      `#!/bin/sh\nconf=$(cat)\nprintf '{"cniVersion":"1.0.0","env":"%s %s %s %s %s","conf":%s}' "$CNI_COMMAND" "$CNI_IFNAME" "$CNI_NETNS" "$GOMAXPROCS" "$(test -e "$CNI_NETNS" && echo ns)" "$conf"\n`,
    );
    chmodSync(join(dir, "fake-bridge"), 0o755);
    const id = newId();
    const fifo = join(dir, `${id}.gate`);
    const made = await createNetns(id, fifo, call(id, "fake-bridge"));
    expect(made.fifo).toBe(true);
    expect(statSync(fifo).isFIFO()).toBe(true);
    const r = (await made.added) as { env: string; conf: Record<string, unknown> };
    expect(r.env).toBe(`ADD eth0 ${netnsPath(id)} 1 ns`);
    expect(r.conf).toEqual({ cniVersion: "1.0.0", name: "testnet", type: "fake-bridge" });
    const lo = execFileSync("ip", ["-n", netnsName(id), "link", "show", "lo"], { encoding: "utf8" });
    expect(lo).toMatch(/<LOOPBACK,UP,LOWER_UP>/);
    // The host's interfaces are not in it.
    const links = execFileSync("ip", ["-n", netnsName(id), "-o", "link"], { encoding: "utf8" });
    expect(links.trim().split("\n")).toHaveLength(1);
    await deleteNetns(id);
    expect(existsSync(netnsPath(id))).toBe(false);
  });

  it("fails with the plugin's own error, the namespace made all the same (the caller releases it)", async () => {
    writeFileSync(
      join(dir, "bad-bridge"),
      `#!/bin/sh\ncat >/dev/null\necho '{"code":11,"msg":"no luck","details":"on this bridge"}'\nexit 1\n`,
    );
    chmodSync(join(dir, "bad-bridge"), 0o755);
    const id = newId();
    const made = await createNetns(id, undefined, call(id, "bad-bridge"));
    expect(made.fifo).toBe(false);
    await expect(made.added).rejects.toThrow(/CNI plugin bad-bridge ADD: no luck: on this bridge/);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).toContain(netnsPath(id));
  });

  it("sends 127.0.0.11:53 to the network's DNS server: the nat rules and route_localnet in the namespace", async () => {
    writeFileSync(join(dir, "quiet-bridge"), `#!/bin/sh\ncat >/dev/null\necho '{"cniVersion":"1.0.0"}'\n`);
    chmodSync(join(dir, "quiet-bridge"), 0o755);
    const id = newId();
    const made = await createNetns(
      id,
      join(dir, `${id}.gate`),
      call(id, "quiet-bridge"),
      dnsRules("10.77.0.1"),
    );
    await made.added;
    const nat = execFileSync("ip", ["netns", "exec", netnsName(id), "iptables-save", "-t", "nat"], {
      encoding: "utf8",
    });
    expect(nat).toContain(
      "-A OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.77.0.1:53",
    );
    expect(nat).toContain(
      "-A OUTPUT -d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 10.77.0.1:53",
    );
    expect(nat).toContain("-A POSTROUTING -s 127.0.0.0/8 -d 10.77.0.1/32 -j MASQUERADE");
    const localnet = execFileSync(
      "ip",
      ["netns", "exec", netnsName(id), "cat", "/proc/sys/net/ipv4/conf/all/route_localnet"],
      { encoding: "utf8" },
    );
    expect(localnet.trim()).toBe("1");
    // The host's own setting is not the namespace's.
    await deleteNetns(id);
  });

  it("fails the start when the DNS rules cannot be made, in iptables-restore's words", async () => {
    const id = newId();
    const made = await createNetns(
      id,
      undefined,
      call(id, "quiet-bridge"),
      "*nat\n-A NOSUCHCHAIN -j ACCEPT\nCOMMIT",
    );
    await expect(made.added).rejects.toThrow(
      "network setup failed: cannot send 127.0.0.11 to the network's DNS server: iptables-restore: line 2 failed",
    );
    await deleteNetns(id);
  });
});

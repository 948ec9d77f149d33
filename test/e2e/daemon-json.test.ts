import { chmodSync, copyFileSync, existsSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pushBusyboxWith, removeContainers } from "./helpers/busybox-image.js";
import { removeRootBridges } from "./helpers/network.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/** Whether a TCP connection to host:port is answered. */
function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

const APPLETS = ["sh", "cat", "true", "ip", "ping", "ping6", "grep", "sleep", "httpd"];

/**
 * Docker's daemon.json defaults for containers and networks, end to end: the built CLI with
 * WHARF_DAEMON_CONFIG naming a file this test writes (never the host's /etc/docker/daemon.json),
 * runc, the CNI plugins and a busybox image pulled from Distribution.
 */
describe("daemon.json defaults", () => {
  let reg: RunningRegistry;
  let dir: string;
  let image: string;
  let file: string;
  const clis: WharfCli[] = [];
  // Subnets of this run's own (other tests make networks on the same host at the same time).
  const octet = 100 + (Date.now() % 90);
  const env = () => ({ WHARF_DAEMON_CONFIG: file });

  const daemonJson = (doc: unknown) => writeFileSync(file, JSON.stringify(doc));
  const fresh = async () => {
    const cli = await wharfCli();
    clis.push(cli);
    await ok(cli, "pull", "-q", image);
    return cli;
  };
  async function ok(cli: WharfCli, ...args: string[]): Promise<string> {
    const r = await cli.run(args, { env: env() });
    if (r.code !== 0) throw new Error(`wharf ${args.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }
  const inspect = async (cli: WharfCli, ref: string, what: string) =>
    JSON.parse(await ok(cli, "inspect", "--format", `{{json ${what}}}`, ref));
  const netInspect = async (cli: WharfCli, ref: string, what: string) =>
    JSON.parse(await ok(cli, "network", "inspect", "--format", `{{json ${what}}}`, ref));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-daemon-json-"));
    file = join(dir, "daemon.json");
    daemonJson({});
    reg = await startDistribution();
    image = (
      await pushBusyboxWith(reg, join(dir, "layout"), { repo: "daemonbox", applets: APPLETS, cmd: ["sh"] })
    ).ref;
  }, 180_000);

  afterEach(async () => {
    for (const cli of clis) {
      const left = (await cli.run(["ps", "-aq"], { env: env() })).stdout.split("\n").filter(Boolean);
      if (left.length > 0) await cli.run(["rm", "-f", ...left], { env: env() });
      await removeContainers(cli);
    }
  });

  afterAll(async () => {
    for (const cli of clis) {
      await cli.run(["network", "prune", "-f"], { env: env() });
      await removeRootBridges(cli.root);
      await cli.close();
    }
    await reg?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("container defaults: log driver and options (the command line's win), DNS, ulimits", async () => {
    const cli = await fresh();
    daemonJson({
      "log-driver": "local",
      "log-opts": { "max-size": "1m", "max-file": "2" },
      dns: [`10.${octet}.0.53`],
      "dns-search": ["example.internal"],
      "default-ulimits": { nofile: { Name: "nofile", Soft: 1234, Hard: 2345 } },
      "unknown-key-of-a-newer-docker": true,
    });
    const a = (await ok(cli, "create", image, "true")).trim();
    expect(await inspect(cli, a, ".HostConfig.LogConfig")).toEqual({
      Type: "local",
      Config: { "max-size": String(1024 * 1024), "max-file": "2" },
    });
    expect(await inspect(cli, a, ".HostConfig.Ulimits")).toEqual([
      { Name: "nofile", Hard: 2345, Soft: 1234 },
    ]);
    // --log-driver wins, and the daemon's options (of another driver) are not given to it.
    const b = (await ok(cli, "create", "--log-driver", "json-file", image, "true")).trim();
    expect(await inspect(cli, b, ".HostConfig.LogConfig")).toEqual({ Type: "json-file", Config: {} });
    // --log-opt without --log-driver: the daemon's driver, its options merged under the given one.
    const c = (await ok(cli, "create", "--log-opt", "max-size=2m", image, "true")).trim();
    expect(await inspect(cli, c, ".HostConfig.LogConfig")).toEqual({
      Type: "local",
      Config: { "max-size": String(2 * 1024 * 1024), "max-file": "2" },
    });
    // The local driver keeps the logs: `logs` reads them.
    const d = (await ok(cli, "run", "-d", image, "sh", "-c", "echo kept")).trim();
    await ok(cli, "wait", d);
    expect((await ok(cli, "logs", d)).trim()).toBe("kept");

    const resolv = await ok(cli, "run", "--rm", image, "cat", "/etc/resolv.conf");
    expect(resolv).toContain(`nameserver 10.${octet}.0.53`);
    expect(resolv).toContain("search example.internal");
    expect(await ok(cli, "run", "--rm", "--dns", "10.1.2.3", image, "cat", "/etc/resolv.conf")).toContain(
      "nameserver 10.1.2.3",
    );
    expect((await ok(cli, "run", "--rm", "--network", "none", image, "sh", "-c", "ulimit -n")).trim()).toBe(
      "1234",
    );
    expect(
      (
        await ok(
          cli,
          "run",
          "--rm",
          "--network",
          "none",
          "--ulimit",
          "nofile=100:200",
          image,
          "sh",
          "-c",
          "ulimit -n",
        )
      ).trim(),
    ).toBe("100");
    // An exec takes the container's limits, as Docker's does (the daemon's, or --ulimit's). The
    // hard one: this runc (Go 1.19+'s start raises the soft NOFILE limit to the hard one in the
    // process it execs into the container) gives an exec's process soft = hard, under Docker too.
    const e = (await ok(cli, "run", "-d", "--network", "none", image, "sleep", "60")).trim();
    const f = (
      await ok(cli, "run", "-d", "--network", "none", "--ulimit", "nofile=300:400", image, "sleep", "60")
    ).trim();
    try {
      expect((await ok(cli, "exec", e, "sh", "-c", "ulimit -Hn")).trim()).toBe("2345");
      expect((await ok(cli, "exec", f, "sh", "-c", "ulimit -Hn")).trim()).toBe("400");
    } finally {
      await cli.run(["rm", "-f", e, f]);
    }
  }, 120_000);

  it("init and init-path: the container's PID 1 is the init daemon.json names", async () => {
    const cli = await fresh();
    const init = join(dir, "my-init");
    copyFileSync("/usr/bin/tini-static", init);
    chmodSync(init, 0o755);
    daemonJson({ init: true, "init-path": init });
    const c = (await ok(cli, "create", "--network", "none", image, "sleep", "30")).trim();
    expect(await inspect(cli, c, ".HostConfig.Init")).toBe(true);
    await ok(cli, "start", c);
    expect(await ok(cli, "exec", c, "cat", "/proc/1/cmdline")).toContain("/sbin/docker-init");
    // --init=false wins; an init-path that is not there fails the start.
    expect(
      (
        await ok(cli, "run", "--rm", "--init=false", "--network", "none", image, "cat", "/proc/1/cmdline")
      ).split("\0")[0],
    ).toBe("cat");
    daemonJson({ init: true, "init-path": join(dir, "no-such-init") });
    const r = await cli.run(["run", "--rm", "--network", "none", image, "true"], { env: env() });
    expect(r.code).not.toBe(0);
  }, 120_000);

  it("a bad value or a key wharf cannot honour is refused, nothing made", async () => {
    const cli = await fresh();
    const refused = async (doc: unknown, words: string) => {
      daemonJson(doc);
      const r = await cli.run(["run", "--rm", "--network", "none", image, "true"], { env: env() });
      expect(r.code).toBe(125);
      expect(r.stderr).toContain(words);
    };
    await refused({ "default-ulimits": "nofile=1" }, `unable to configure wharf with file ${file}`);
    await refused({ "log-driver": "nosuch" }, "logger: no log driver named 'nosuch' is registered");
    await refused({ "log-opts": { "max-size": "lots" } }, "failed to parse max-size: lots");
    await refused({ "default-ipc-mode": "host" }, "invalid default IPC mode: host");
    await refused({ "userns-remap": "default" }, "userns-remap is not supported by wharf");
    await refused({ dns: ["not-an-ip"] }, "not-an-ip is not an ip address");
    daemonJson({ bip: "10.300.0.1/24" });
    const r = await cli.run(["run", "--rm", image, "true"], { env: env() });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain("invalid bip");
    daemonJson({ iptables: false });
    const n = await cli.run(["network", "create", "nonet"], { env: env() });
    expect(n.code).not.toBe(0);
    expect(n.stderr).toContain("iptables=false is not supported by wharf");
    expect((await cli.run(["ps", "-aq"], { env: env() })).stdout.trim()).toBe("");
  }, 120_000);

  it("default-address-pools: the default bridge's and a new network's subnets; info lists them", async () => {
    const cli = await fresh();
    daemonJson({ "default-address-pools": [{ base: `10.${octet}.0.0/16`, size: 24 }] });
    await ok(cli, "network", "create", "pooled");
    const subnet = await netInspect(cli, "pooled", "(index .IPAM.Config 0).Subnet");
    const bridge = await netInspect(cli, "bridge", "(index .IPAM.Config 0).Subnet");
    expect(bridge).toBe(`10.${octet}.0.0/24`);
    expect(subnet).toBe(`10.${octet}.1.0/24`);
    const info = await ok(cli, "info");
    expect(info).toContain(` Default Address Pools:\n   Base: 10.${octet}.0.0/16, Size: 24`);
    expect(await ok(cli, "info", "--format", "{{json .DefaultAddressPools}}")).toContain(
      `[{"Base":"10.${octet}.0.0/16","Size":24}]`,
    );
  }, 120_000);

  it("bip, fixed-cidr, mtu, icc and ip on a fresh root's default bridge; remade when daemon.json changes", async () => {
    const cli = await fresh();
    daemonJson({
      bip: `10.${octet}.207.1/24`,
      "fixed-cidr": `10.${octet}.207.128/25`,
      mtu: 1400,
      icc: false,
      ip: "127.0.0.1",
      "log-driver": "json-file",
    });
    const eth0 = await ok(cli, "run", "--rm", image, "ip", "addr", "show", "eth0");
    expect(eth0).toMatch(new RegExp(`inet 10\\.${octet}\\.207\\.(12[89]|1[3-9]\\d|2\\d\\d)/24`));
    expect(eth0).toContain("mtu 1400");
    expect(await netInspect(cli, "bridge", ".IPAM.Config")).toEqual([
      { Subnet: `10.${octet}.207.0/24`, Gateway: `10.${octet}.207.1`, IPRange: `10.${octet}.207.128/25` },
    ]);
    const opts = await netInspect(cli, "bridge", ".Options");
    expect(opts).toMatchObject({
      "com.docker.network.bridge.enable_icc": "false",
      "com.docker.network.bridge.host_binding_ipv4": "127.0.0.1",
      "com.docker.network.driver.mtu": "1400",
    });
    // icc=false: a container cannot reach another on the default bridge.
    const web = (await ok(cli, "run", "-d", "-p", "80", image, "httpd", "-f", "-p", "80")).trim();
    const ip = await inspect(cli, web, ".NetworkSettings.IPAddress");
    const ping = await cli.run(["run", "--rm", image, "ping", "-c", "1", "-W", "1", ip], { env: env() });
    expect(ping.code).not.toBe(0);
    // ip: a port published without a host IP is bound on daemon.json's.
    expect((await ok(cli, "port", web)).trim()).toMatch(/^80\/tcp -> 127\.0\.0\.1:\d+$/);
    // Changed while a container is on it: kept; once none is, made again with the new settings.
    daemonJson({ bip: `10.${octet}.208.1/24` });
    expect(await netInspect(cli, "bridge", "(index .IPAM.Config 0).Subnet")).toBe(`10.${octet}.207.0/24`);
    await ok(cli, "rm", "-f", web);
    expect(await ok(cli, "run", "--rm", image, "ip", "addr", "show", "eth0")).toMatch(
      new RegExp(`inet 10\\.${octet}\\.208\\.\\d+/24`),
    );
    expect(await netInspect(cli, "bridge", ".Options")).toMatchObject({
      "com.docker.network.bridge.enable_icc": "true",
      "com.docker.network.driver.mtu": "1500",
    });
    // icc back to Docker's default: the same ping now answers.
    const peer = (await ok(cli, "run", "-d", image, "sleep", "60")).trim();
    const peerIp = await inspect(cli, peer, ".NetworkSettings.IPAddress");
    await ok(cli, "run", "--rm", image, "ping", "-c", "1", "-W", "2", peerIp);
  }, 120_000);

  it("userland-proxy false: a published port answers on IPv4 alone, port shows no [::] side", async () => {
    expect(existsSync("/proc/net/if_inet6")).toBe(true);
    const cli = await fresh();
    daemonJson({ "userland-proxy": false, bip: `10.${octet}.210.1/24` });
    const web = (await ok(cli, "run", "-d", "-p", "80", image, "httpd", "-f", "-p", "80")).trim();
    const lines = (await ok(cli, "port", web)).trim().split("\n");
    expect(lines).toHaveLength(1);
    const port = Number(/^80\/tcp -> 0\.0\.0\.0:(\d+)$/.exec(lines[0] ?? "")?.[1]);
    let up = false;
    for (let i = 0; i < 50 && !up; i++) {
      up = await answers("127.0.0.1", port);
      if (!up) await new Promise((r) => setTimeout(r, 100));
    }
    expect(up).toBe(true);
    expect(await answers("::1", port)).toBe(false);
    // Docker's default again: the relay answers on [::1].
    daemonJson({ bip: `10.${octet}.210.1/24` });
    const web2 = (await ok(cli, "run", "-d", "-p", "80", image, "httpd", "-f", "-p", "80")).trim();
    const second = (await ok(cli, "port", web2)).trim().split("\n");
    expect(second).toHaveLength(2);
    const port2 = Number(/:(\d+)$/.exec(second[0] ?? "")?.[1]);
    let up6 = false;
    for (let i = 0; i < 50 && !up6; i++) {
      up6 = await answers("::1", port2);
      if (!up6) await new Promise((r) => setTimeout(r, 100));
    }
    expect(up6).toBe(true);
  }, 120_000);

  it("ipv6 and fixed-cidr-v6: the default bridge is dual-stack, a container pings its IPv6 gateway", async () => {
    const cli = await fresh();
    const prefix = `fd00:${octet.toString(16)}:7`;
    daemonJson({ ipv6: true, "fixed-cidr-v6": `${prefix}::/64`, bip: `10.${octet}.209.1/24` });
    const out = await ok(
      cli,
      "run",
      "--rm",
      image,
      "sh",
      "-c",
      `ip -6 addr show eth0 && ping6 -c 1 -W 2 ${prefix}::1 >/dev/null && echo pinged`,
    );
    expect(out).toMatch(new RegExp(`inet6 ${prefix}::[0-9a-f:]+/64`));
    expect(out).toContain("pinged");
    expect(await netInspect(cli, "bridge", ".EnableIPv6")).toBe(true);
    expect(await netInspect(cli, "bridge", ".IPAM.Config")).toContainEqual({
      Subnet: `${prefix}::/64`,
      Gateway: `${prefix}::1`,
    });
  }, 120_000);
});

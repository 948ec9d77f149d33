import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/registry/testing/distribution.js";
import { pushBusyboxWith, removeContainers } from "./helpers/busybox-image.js";
import { removeRootBridges } from "./helpers/network.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { run as runTool } from "./helpers/tools.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const APPLETS = ["sh", "cat", "sleep", "true", "httpd", "wget", "ip", "ping", "grep", "hostname"];

/** A shell loop that fetches `url` until it answers (5 s at most): a server just started may not listen yet. */
const untilAnswers = (url: string) =>
  `i=0; until wget -qO- ${url}; do i=$((i+1)); [ $i -ge 50 ] && break; sleep 0.1; done`;

/** Every address host-local has handed out on the root's networks, IPv4 and IPv6 (one file each). */
function leases(root: string): string[] {
  const nets = join(root, "networks");
  if (!existsSync(nets)) return [];
  const out: string[] = [];
  for (const id of readdirSync(nets).filter((n) => /^[0-9a-f]{64}$/.test(n))) {
    const ipam = join(nets, id, "ipam");
    if (!existsSync(ipam)) continue;
    for (const name of readdirSync(ipam)) {
      out.push(
        ...readdirSync(join(ipam, name)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f) || f.includes(":")),
      );
    }
  }
  return out.sort();
}

/** The ip6tables rules that name `text`. */
async function ip6RulesWith(table: string, text: string): Promise<string[]> {
  return (await runTool("ip6tables-save", ["-t", table])).split("\n").filter((l) => l.includes(text));
}

/**
 * Dual-stack user networks end to end (`network create --ipv6`, `run --ip6`): the built CLI, runc,
 * the CNI plugins and a busybox image pulled from Distribution.
 */
describe("IPv6 networks", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let image: string;
  const suffix = Date.now().toString(36);
  const outside = `wharf6out${suffix.slice(-6)}`;
  const veth = `w6o${suffix.slice(-6)}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-network6-"));
    reg = await startDistribution();
    cli = await wharfCli();
    image = (
      await pushBusyboxWith(reg, join(dir, "layout"), {
        repo: "net6box",
        tag: "1",
        applets: APPLETS,
        cmd: ["sh"],
      })
    ).ref;
    await cli.ok("pull", "-q", image);
  }, 180_000);

  afterEach(async () => {
    const left = (await cli.ok("ps", "-aq")).split("\n").filter(Boolean);
    if (left.length > 0) await cli.run(["rm", "-f", ...left]);
    await removeContainers(cli);
  });

  afterAll(async () => {
    await runTool("ip", ["netns", "delete", outside]).catch(() => "");
    await runTool("ip", ["link", "delete", veth]).catch(() => "");
    await cli?.run(["network", "prune", "-f"]);
    if (cli) await removeRootBridges(cli.root);
    await reg?.close();
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("a dual-stack network: both addresses, by address and by name over IPv6, --ip6, inspect, leases back", async () => {
    const net = `v6n${suffix}`;
    const id = (
      await cli.ok(
        "network",
        "create",
        "--ipv6",
        "--subnet",
        "10.233.6.0/24",
        "--subnet",
        "fd00:e2e:6::/64",
        net,
      )
    ).trim();
    const info = JSON.parse(await cli.ok("network", "inspect", net))[0];
    expect(info.Id).toBe(id);
    expect(info.EnableIPv6).toBe(true);
    expect(info.IPAM.Config).toEqual([
      { Subnet: "10.233.6.0/24", Gateway: "10.233.6.1" },
      { Subnet: "fd00:e2e:6::/64", Gateway: "fd00:e2e:6::1" },
    ]);
    expect(await cli.ok("network", "ls", "--filter", `name=${net}`, "--format", "{{.Name}} {{.IPv6}}")).toBe(
      `${net} true\n`,
    );

    await cli.ok(
      "run",
      "-d",
      "--name",
      "srv",
      "--network",
      net,
      "--ip6",
      "fd00:e2e:6::50",
      image,
      "httpd",
      "-f",
      "-p",
      "80",
      "-h",
      "/etc",
    );
    await cli.ok("run", "-d", "--name", "cli6", "--network", net, image, "sleep", "600");
    // The container's own interface: both families, the IPv6 default route through the gateway.
    const addr = await cli.ok("exec", "srv", "ip", "-o", "addr", "show", "eth0");
    expect(addr).toMatch(/inet 10\.233\.6\.\d+\/24/);
    expect(addr).toContain("inet6 fd00:e2e:6::50/64 scope global");
    expect(await cli.ok("exec", "srv", "ip", "-6", "route", "show", "default")).toContain(
      "via fd00:e2e:6::1 dev eth0",
    );

    // By address and by name (its /etc/hosts has the peer's IPv6 line, as its own).
    expect(await cli.ok("exec", "cli6", "ping", "-6", "-c1", "-W3", "fd00:e2e:6::50")).toContain(
      "1 packets received",
    );
    expect(await cli.ok("exec", "cli6", "ping", "-6", "-c1", "-W3", "srv")).toContain("from fd00:e2e:6::50");
    const hosts = await cli.ok("exec", "cli6", "cat", "/etc/hosts");
    const srvId = (await cli.ok("inspect", "-f", "{{.Id}}", "srv")).trim();
    expect(hosts).toContain(`fd00:e2e:6::50\tsrv ${srvId.slice(0, 12)}\n`);
    const cliId = (await cli.ok("inspect", "-f", "{{.Id}}", "cli6")).trim();
    const cliV6 = (
      await cli.ok(
        "inspect",
        "-f",
        `{{(index .NetworkSettings.Networks "${net}").GlobalIPv6Address}}`,
        "cli6",
      )
    ).trim();
    expect(cliV6).toMatch(/^fd00:e2e:6::[0-9a-f]+$/);
    expect(hosts).toContain(`${cliV6}\t${cliId.slice(0, 12)}\n`);
    expect(await cli.ok("exec", "cli6", "sh", "-c", untilAnswers("http://[fd00:e2e:6::50]/hostname"))).toBe(
      `${srvId.slice(0, 12)}\n`,
    );
    expect(await cli.ok("exec", "cli6", "wget", "-qO-", "http://srv/hostname")).toBe(
      `${srvId.slice(0, 12)}\n`,
    );

    // inspect, as Docker fills an endpoint on a dual-stack network.
    const ep = JSON.parse(await cli.ok("inspect", "-f", "{{json .NetworkSettings.Networks}}", "srv"))[net];
    expect(ep).toMatchObject({
      IPAMConfig: { IPv6Address: "fd00:e2e:6::50" },
      GlobalIPv6Address: "fd00:e2e:6::50",
      GlobalIPv6PrefixLen: 64,
      IPv6Gateway: "fd00:e2e:6::1",
      Gateway: "10.233.6.1",
      IPPrefixLen: 24,
    });
    // The top-level fields are the default bridge's (none here), as Docker's.
    expect(await cli.ok("inspect", "-f", "[{{.NetworkSettings.GlobalIPv6Address}}]", "srv")).toBe("[]\n");
    const members = JSON.parse(await cli.ok("network", "inspect", "-f", "{{json .Containers}}", net));
    expect(members[srvId]).toMatchObject({ Name: "srv", IPv6Address: "fd00:e2e:6::50/64" });
    expect(members[cliId].IPv6Address).toBe(`${cliV6}/64`);

    // network connect --ip6: another interface, its address the one asked for.
    const net2 = `v6m${suffix}`;
    await cli.ok("network", "create", "--ipv6", "--subnet", "fd00:e2e:7::/64", net2);
    await cli.ok("network", "connect", "--ip6", "fd00:e2e:7::77", net2, "cli6");
    expect(await cli.ok("exec", "cli6", "ip", "-o", "-6", "addr", "show", "eth1")).toContain(
      "inet6 fd00:e2e:7::77/64",
    );

    const held = leases(cli.root);
    expect(held).toEqual(expect.arrayContaining(["fd00:e2e:6::50", cliV6, "fd00:e2e:7::77"]));
    expect(held.filter((l) => l.includes(":"))).toHaveLength(3);
    await cli.ok("rm", "-f", "srv", "cli6");
    // Every address, of both families, given back.
    expect(leases(cli.root)).toEqual([]);
    await cli.ok("network", "rm", net, net2);
    expect(await ip6RulesWith("nat", `WHARF-${id.slice(0, 12)}`)).toEqual([]);
    await validateRoot(cli.root);
  }, 180_000);

  it("stop gives the IPv6 address back and start takes the --ip6 one again; disconnect gives its back", async () => {
    const net = `v6s${suffix}`;
    const other = `v6t${suffix}`;
    await cli.ok("network", "create", "--ipv6", "--subnet", "fd00:e2e:b::/64", net);
    await cli.ok("network", "create", "--ipv6", "--subnet", "fd00:e2e:c::/64", other);
    await cli.ok(
      "run",
      "-d",
      "--name",
      "again",
      "--network",
      net,
      "--ip6",
      "fd00:e2e:b::42",
      image,
      "sleep",
      "600",
    );
    expect(leases(cli.root).filter((l) => l.includes(":"))).toEqual(["fd00:e2e:b::42"]);
    await cli.ok("stop", "-t", "0", "again");
    expect(leases(cli.root)).toEqual([]);
    await cli.ok("start", "again");
    expect(
      await cli.ok("exec", "again", "ip", "-o", "-6", "addr", "show", "eth0", "scope", "global"),
    ).toContain("inet6 fd00:e2e:b::42/64");
    await cli.ok("network", "connect", other, "again");
    const eth1 = await cli.ok("exec", "again", "ip", "-o", "-6", "addr", "show", "eth1", "scope", "global");
    const v6 = /inet6 (fd00:e2e:c::[0-9a-f]+)\/64/.exec(eth1)?.[1];
    expect(v6).toBeDefined();
    expect(leases(cli.root)).toContain(v6);
    await cli.ok("network", "disconnect", other, "again");
    expect(leases(cli.root).filter((l) => l.includes(":"))).toEqual(["fd00:e2e:b::42"]);
    await cli.ok("rm", "-f", "again");
    expect(leases(cli.root)).toEqual([]);
    await cli.ok("network", "rm", net, other);
    await validateRoot(cli.root);
  }, 120_000);

  it("--ipv6 without a subnet takes a ULA /64; containers reach the host's networks through IPv6 masquerade", async () => {
    const net = `v6u${suffix}`;
    const id = (await cli.ok("network", "create", "--ipv6", net)).trim();
    const cfg = JSON.parse(await cli.ok("network", "inspect", "-f", "{{json .IPAM.Config}}", net));
    expect(cfg).toHaveLength(2);
    expect(cfg[0].Subnet).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    expect(cfg[1].Subnet).toMatch(/^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{0,4}:?:\/64$/);
    expect(cfg[1].Gateway).toBe(cfg[1].Subnet.replace(/::\/64$/, "::1"));
    // One masquerade rule of the subnet in the network's ip6tables chain (Docker's NAT for IPv6).
    const chain = `WHARF-${id.slice(0, 12)}`;
    expect(await ip6RulesWith("nat", `-A ${chain} -s ${cfg[1].Subnet} ! -o`)).toHaveLength(1);

    // "Outside": a namespace on a host veth with an IPv6 subnet of its own and no route back to the
    // network's: only a masqueraded connection (from the host's address) gets its answer.
    await runTool("ip", ["netns", "add", outside]);
    await runTool("ip", ["link", "add", veth, "type", "veth", "peer", "name", "o6peer", "netns", outside]);
    await runTool("ip", ["addr", "add", "fd00:e2e:99::1/64", "dev", veth, "nodad"]);
    await runTool("ip", ["link", "set", veth, "up"]);
    await runTool("ip", ["-n", outside, "addr", "add", "fd00:e2e:99::2/64", "dev", "o6peer", "nodad"]);
    await runTool("ip", ["-n", outside, "link", "set", "o6peer", "up"]);
    const out = await cli.ok(
      "run",
      "--rm",
      "--network",
      net,
      image,
      "ping",
      "-6",
      "-c1",
      "-W3",
      "fd00:e2e:99::2",
    );
    expect(out).toContain("1 packets received");
    // Without the network's masquerade rule no answer comes back: the rule is what made it work.
    await runTool("ip6tables", ["-t", "nat", "-F", chain]);
    const unmasked = await cli.run([
      "run",
      "--rm",
      "--network",
      net,
      image,
      "ping",
      "-6",
      "-c1",
      "-W2",
      "fd00:e2e:99::2",
    ]);
    expect(unmasked.code).not.toBe(0);
    expect(unmasked.stdout).toContain("0 packets received");

    // An IPv4-only network gets no ip6tables rules at all.
    const v4 = `v4o${suffix}`;
    const v4id = (await cli.ok("network", "create", v4)).trim();
    expect(await ip6RulesWith("nat", `WHARF-${v4id.slice(0, 12)}`)).toEqual([]);
    expect(await ip6RulesWith("filter", `WHARF-${v4id.slice(0, 12)}`)).toEqual([]);
    expect(JSON.parse(await cli.ok("network", "inspect", "-f", "{{json .EnableIPv6}}", v4))).toBe(false);
    expect(
      await cli.ok(
        "run",
        "--rm",
        "--network",
        v4,
        image,
        "ip",
        "-o",
        "-6",
        "addr",
        "show",
        "scope",
        "global",
      ),
    ).toBe("");
    await cli.ok("network", "rm", net, v4);
    await validateRoot(cli.root);
  }, 120_000);

  it("publishes a port on both families: the host's IPv6 address answers, 127.0.0.1 too", async () => {
    const net = `v6p${suffix}`;
    await cli.ok("network", "create", "--ipv6", "--subnet", "fd00:e2e:8::/64", net);
    const port = await freePort();
    const id = (
      await cli.ok(
        "run",
        "-d",
        "--network",
        net,
        "-p",
        `${port}:80`,
        image,
        "httpd",
        "-f",
        "-p",
        "80",
        "-h",
        "/etc",
      )
    ).trim();
    // The host's own global IPv6 addresses (not ::1: see the README) and 127.0.0.1 reach it.
    const global6 = (await runTool("ip", ["-o", "-6", "addr", "show", "scope", "global"]))
      .split("\n")
      .map((l) => /inet6 ([0-9a-f:]+)\//.exec(l)?.[1])
      .find((a) => a !== undefined && !a.startsWith("fd00:e2e:"));
    expect(await runTool("busybox", ["sh", "-c", untilAnswers(`http://127.0.0.1:${port}/hostname`)])).toBe(
      `${id.slice(0, 12)}\n`,
    );
    if (global6 === undefined) throw new Error("this host has no global IPv6 address to test with");
    expect(await runTool("busybox", ["wget", "-qO-", `http://[${global6}]:${port}/hostname`])).toBe(
      `${id.slice(0, 12)}\n`,
    );
    expect(await ip6RulesWith("nat", `--dport ${port} -j DNAT`)).toHaveLength(1);
    await cli.ok("rm", "-f", id);
    // portmap's DEL took its ip6tables rules with it.
    expect(await ip6RulesWith("nat", `--dport ${port} -j DNAT`)).toEqual([]);
    await cli.ok("network", "rm", net);
    await validateRoot(cli.root);
  }, 120_000);

  it("refuses a bad IPv6 subnet or gateway, --ip6 outside the subnet or on an IPv4-only network: nothing made", async () => {
    const net = `v6r${suffix}`;
    const before = await cli.ok("network", "ls", "-q");
    const cases: [string[], string][] = [
      [
        ["--ipv6", "--subnet", "fd00:e2e:zz::/64"],
        "invalid subnet fd00:e2e:zz::/64: invalid CIDR block notation",
      ],
      [
        ["--ipv6", "--subnet", "fd00:e2e:9::5/64"],
        "invalid subnet fd00:e2e:9::5/64: it should be fd00:e2e:9::/64",
      ],
      [
        ["--ipv6", "--subnet", "fd00:e2e:9::/64", "--gateway", "fd00:e2e:a::1"],
        "no matching subnet for gateway fd00:e2e:a::1",
      ],
      [
        ["--ipv6", "--gateway", "fd00:e2e:a::1"],
        "every ip-range or gateway must have a corresponding subnet",
      ],
      [
        ["--subnet", "fd00:e2e:9::/64", "--ipv6=false"],
        "IPv6 subnet fd00:e2e:9::/64 given with --ipv6=false",
      ],
    ];
    for (const [args, words] of cases) {
      const r = await cli.run(["network", "create", ...args, net]);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toContain(words);
    }
    expect(await cli.ok("network", "ls", "-q")).toBe(before);

    // An IPv6 --subnet without --ipv6 makes a dual-stack network (Docker since 25, moby#46455).
    await cli.ok("network", "create", "--subnet", "fd00:e2e:9::/64", net);
    expect(await cli.ok("network", "inspect", "-f", "{{.EnableIPv6}}", net)).toBe("true\n");
    const overlap = await cli.run(["network", "create", "--subnet", "fd00:e2e:9:0:1::/80", `${net}x`]);
    expect(overlap.code).toBe(1);
    expect(overlap.stderr).toContain("Pool overlaps with other one on this address space");

    const v4 = `v4r${suffix}`;
    await cli.ok("network", "create", v4);
    const refusals: [string[], string][] = [
      [
        ["--network", net, "--ip6", "fd00:e2e:a::5"],
        "no configured subnet or ip-range contain the IP address fd00:e2e:a::5",
      ],
      [["--network", net, "--ip6", "10.1.2.3"], "invalid IPv6 address: 10.1.2.3"],
      [
        ["--network", v4, "--ip6", "fd00:e2e:9::5"],
        "user specified IP address is supported only when connecting to networks with user configured subnets",
      ],
      [["--ip6", "fd00:e2e:9::5"], "user specified IP address is supported on user defined networks only"],
    ];
    for (const [args, words] of refusals) {
      const r = await cli.run(["run", "--name", "never", ...args, image, "true"]);
      expect(r.code, args.join(" ")).toBe(125);
      expect(r.stderr).toContain(words);
      expect(await cli.ok("ps", "-aq")).toBe("");
    }
    expect(leases(cli.root)).toEqual([]);
    await cli.ok("network", "rm", net, v4);
    await validateRoot(cli.root);
  }, 120_000);
});

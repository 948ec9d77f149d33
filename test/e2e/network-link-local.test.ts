import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pushBusyboxWith, removeContainers } from "./helpers/busybox-image.js";
import { removeRootBridges } from "./helpers/network.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/**
 * `--link-local-ip` of run/create and `network connect`: the addresses are on the container's
 * interface on that network (as Docker adds them: a /16 for IPv4, a /64 for IPv6), inspect shows
 * them as Docker's `IPAMConfig.LinkLocalIPs`, and a bad one is refused with nothing made.
 */
describe("link-local addresses", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let image: string;
  const ipam = async (name: string, net: string) =>
    (
      await cli.ok("inspect", "-f", `{{json (index .NetworkSettings.Networks "${net}").IPAMConfig}}`, name)
    ).trim();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-linklocal-"));
    reg = await startDistribution();
    cli = await wharfCli();
    image = (
      await pushBusyboxWith(reg, join(dir, "layout"), {
        repo: "llbox",
        tag: "1",
        applets: ["sh", "sleep", "ip", "true"],
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
    await cli?.run(["network", "prune", "-f"]);
    if (cli) await removeRootBridges(cli.root);
    await reg?.close();
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("run --link-local-ip: on eth0 (again after a restart), in inspect; none without the flag", async () => {
    await cli.ok(
      "run",
      "-d",
      "--name",
      "ll",
      "--link-local-ip",
      "169.254.10.20",
      "--link-local-ip",
      "fe80::abcd",
      image,
      "sleep",
      "600",
    );
    const shown = await cli.ok("exec", "ll", "ip", "addr", "show", "eth0");
    expect(shown).toContain("inet 169.254.10.20/16");
    expect(shown).toContain("inet6 fe80::abcd/64");
    expect(await ipam("ll", "bridge")).toBe('{"LinkLocalIPs":["169.254.10.20","fe80::abcd"]}');
    await cli.ok("restart", "-t", "0", "ll");
    expect(await cli.ok("exec", "ll", "ip", "addr", "show", "eth0")).toContain("inet 169.254.10.20/16");

    await cli.ok("run", "-d", "--name", "plain", image, "sleep", "600");
    expect(await cli.ok("exec", "plain", "ip", "addr", "show", "eth0")).not.toContain("169.254.");
    expect(await ipam("plain", "bridge")).toBe("null");
    await validateRoot(cli.root);
  }, 120_000);

  it("network connect --link-local-ip: on the new interface; a bad address connects nothing", async () => {
    await cli.ok("network", "create", "llnet");
    await cli.ok("network", "create", "llnet2");
    await cli.ok("run", "-d", "--name", "c1", image, "sleep", "600");
    await cli.ok("network", "connect", "--link-local-ip", "169.254.7.7", "llnet", "c1");
    expect(await cli.ok("exec", "c1", "ip", "addr", "show", "eth1")).toContain("inet 169.254.7.7/16");
    expect(await ipam("c1", "llnet")).toBe('{"LinkLocalIPs":["169.254.7.7"]}');

    const bad = await cli.run(["network", "connect", "--link-local-ip", "0.0.0.0", "llnet2", "c1"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("invalid link-local IP address: 0.0.0.0");
    const nets = await cli.ok(
      "inspect",
      "-f",
      "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}",
      "c1",
    );
    expect(nets.trim().split(" ").sort()).toEqual(["bridge", "llnet"]);
    // One the kernel refuses: the interface just made goes again, and the container is not connected.
    const dup = await cli.run([
      "network",
      "connect",
      "--link-local-ip",
      "169.254.9.9",
      "--link-local-ip",
      "169.254.9.9",
      "llnet2",
      "c1",
    ]);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toContain('error setting interface "eth2" link local IPs');
    const after = await cli.ok(
      "inspect",
      "-f",
      "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}",
      "c1",
    );
    expect(after.trim().split(" ").sort()).toEqual(["bridge", "llnet"]);
    expect((await cli.run(["exec", "c1", "ip", "addr", "show", "eth2"])).code).not.toBe(0);
    // Nothing of it is left behind: the network takes the container as before.
    await cli.ok("network", "connect", "llnet2", "c1");
    expect(await cli.ok("exec", "c1", "ip", "addr", "show", "eth2")).not.toContain("169.254.");
    await validateRoot(cli.root);
  }, 120_000);

  it("refuses a bad address before anything is made, in Docker's words; one the kernel refuses fails the start", async () => {
    const bad = await cli.run(["run", "-d", "--name", "no", "--link-local-ip", "nope", image, "true"]);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toContain("invalid link-local IP address: nope");
    const unspecified = await cli.run(["create", "--name", "no2", "--link-local-ip", "::", image, "true"]);
    expect(unspecified.code).toBe(125);
    expect(unspecified.stderr).toContain("invalid link-local IP address: ::");
    expect(await cli.ok("ps", "-aq")).toBe("");
    // One the kernel refuses (given twice) fails the start, and its network is released.
    const twice = await cli.run([
      "run",
      "-d",
      "--name",
      "dup",
      "--link-local-ip",
      "169.254.2.2",
      "--link-local-ip",
      "169.254.2.2",
      image,
      "sleep",
      "60",
    ]);
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toContain(
      'error setting interface "eth0" link local IPs to [169.254.2.2/16 169.254.2.2/16]',
    );
    expect((await cli.ok("inspect", "-f", "{{.State.Running}}", "dup")).trim()).toBe("false");
    await cli.ok("rm", "dup");
    await validateRoot(cli.root);
  }, 60_000);
});

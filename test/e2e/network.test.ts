import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/registry/testing/distribution.js";
import { pushBusyboxWith, removeContainers } from "./helpers/busybox-image.js";
import {
  addressOf,
  allocated,
  failingPlugin,
  hostLinks,
  installedPlugins,
  linkNames,
  natRulesWith,
  pluginsWith,
  removeRootBridges,
  reservedPorts,
  waitUntil,
} from "./helpers/network.js";
import { REPO_ROOT, type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { PODMAN_RUN, run as runTool, type Sandbox, sandbox } from "./helpers/tools.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/** A busybox httpd on port 8080 serving /etc (its hostname file answers who it is). */
const HTTPD = ["httpd", "-f", "-p", "8080", "-h", "/etc"];
/** A shell loop that fetches `url` until it answers (5 s at most): a server just started may not listen yet. */
const untilAnswers = (url: string) =>
  `i=0; until wget -qO- ${url}; do i=$((i+1)); [ $i -ge 50 ] && break; sleep 0.1; done`;

const APPLETS = ["sh", "cat", "echo", "sleep", "true", "httpd", "wget", "ip", "hostname", "ls", "grep"];

async function httpGet(url: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const r = await fetch(url);
      return await r.text();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The keeper (monitor) PID in a running container's record. */
function keeperOf(root: string, id: string): number {
  return (
    JSON.parse(readFileSync(join(root, "containers", id, "config.json"), "utf8")) as { monitorPid: number }
  ).monitorPid;
}

/**
 * Networks end to end: the built CLI, runc, CNI plugins and a busybox image pulled from
 * Distribution; the same scenarios with podman (netavark) where it has them.
 */
describe("networks", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let box: Sandbox;
  let dir: string;
  let image: string;
  const podmanNets: string[] = [];
  const podman = (...args: string[]) => box.podman("--tmpdir", join(box.dir, "tmp"), ...args);
  const podmanRun = (...args: string[]) => podman(...PODMAN_RUN, ...args);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-network-"));
    reg = await startDistribution();
    cli = await wharfCli();
    box = await sandbox();
    image = (
      await pushBusyboxWith(reg, join(dir, "layout"), {
        repo: "netbox",
        tag: "1",
        applets: APPLETS,
        cmd: ["sh"],
      })
    ).ref;
    await cli.ok("pull", "-q", image);
    await podman("pull", "-q", "--tls-verify=false", image);
  }, 180_000);

  afterEach(async () => {
    // wharf's rm first: it waits for each container's end and releases its network.
    const left = (await cli.ok("ps", "-aq")).split("\n").filter(Boolean);
    if (left.length > 0) await cli.run(["rm", "-f", ...left]);
    await removeContainers(cli);
    await podman("rm", "-af", "-t", "0").catch(() => "");
  });

  afterAll(async () => {
    await cli?.run(["network", "prune", "-f"]);
    if (cli) await removeRootBridges(cli.root);
    for (const n of podmanNets) await podman("network", "rm", "-f", n).catch(() => "");
    await box?.close();
    await reg?.close();
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("publishes a port on the host's loopback: a busybox httpd answers curl, as podman's does", async () => {
    const port = await freePort();
    const id = (
      await cli.ok("run", "-d", "--name", "web", "-p", `127.0.0.1:${port}:8080`, image, ...HTTPD)
    ).trim();
    const hostname = id.slice(0, 12);
    expect(await httpGet(`http://127.0.0.1:${port}/hostname`)).toBe(`${hostname}\n`);
    expect(await runTool("curl", ["-s", `http://127.0.0.1:${port}/hostname`])).toBe(`${hostname}\n`);
    expect(await cli.ok("port", "web")).toBe(`8080/tcp -> 127.0.0.1:${port}\n`);
    expect(await cli.ok("port", "web", "8080")).toBe(`127.0.0.1:${port}\n`);
    expect(await cli.ok("ps", "--format", "{{.Names}} {{.Ports}}")).toBe(`web 127.0.0.1:${port}->8080/tcp\n`);
    const ports = JSON.parse(await cli.ok("inspect", "-f", "{{json .NetworkSettings.Ports}}", "web"));
    expect(ports).toEqual({ "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: String(port) }] });
    const taken = await cli.run(["run", "-d", "-p", `127.0.0.1:${port}:8080`, image, "sleep", "9"]);
    expect(taken.code).toBe(125);
    expect(taken.stderr).toContain(`Bind for 127.0.0.1:${port} failed: port is already allocated`);

    // A host port is the host's: another root's container cannot have it either.
    const other = await wharfCli();
    try {
      await other.ok("pull", "-q", image);
      const clash = await other.run(["run", "-d", "-p", `${port}:8080`, image, "sleep", "9"]);
      expect(clash.code).toBe(125);
      expect(clash.stderr).toContain(`Bind for 0.0.0.0:${port} failed: port is already allocated`);
      await removeContainers(other);
      await validateRoot(other.root);
    } finally {
      await removeRootBridges(other.root);
      await other.close();
    }

    const theirs = await freePort();
    await podmanRun("-d", "--name", "pweb", "-p", `127.0.0.1:${theirs}:8080`, image, ...HTTPD);
    // (podman writes /etc/hostname without a newline at its end)
    expect(await httpGet(`http://127.0.0.1:${theirs}/hostname`)).toMatch(/^[0-9a-f]{12}$/);
    expect(await podman("port", "pweb")).toBe(`8080/tcp -> 127.0.0.1:${theirs}\n`);
    await validateRoot(cli.root);
  }, 120_000);

  it("a published port answers other containers (through the host), and -P publishes the exposed ports", async () => {
    const port = await freePort();
    await cli.ok("run", "-d", "--name", "pub", "-p", `${port}:8080`, "--expose", "9090", image, ...HTTPD);
    const gateway = (await cli.ok("inspect", "-f", "{{.NetworkSettings.Gateway}}", "pub")).trim();
    const got = await cli.ok(
      "run",
      "--rm",
      image,
      "sh",
      "-c",
      untilAnswers(`http://${gateway}:${port}/hostname`),
    );
    expect(got).toMatch(/^[0-9a-f]{12}\n$/);
    // Docker's DisplayablePorts: a port published under another number comes after the groups.
    expect(await cli.ok("ps", "--format", "{{.Ports}}")).toBe(
      `9090/tcp, 0.0.0.0:${port}->8080/tcp, [::]:${port}->8080/tcp\n`,
    );

    await cli.ok("run", "-d", "--name", "all", "-P", "--expose", "8080", image, ...HTTPD);
    const names = (...f: string[]) =>
      cli.ok("ps", ...f.flatMap((x) => ["--filter", x]), "--format", "{{.Names}}");
    expect(await names("publish=8080")).toBe("all\npub\n");
    expect(await names("expose=9000-9100/tcp")).toBe("pub\n");
    expect(await names("publish=9090")).toBe("");
    expect(await names("network=bridge", "name=pub")).toBe("pub\n");
    // Docker 27+'s lines: the IPv4 binding and the IPv6 one (the port relay's).
    const line = (await cli.ok("port", "all")).trim();
    const m = /^8080\/tcp -> 0\.0\.0\.0:(\d+)\n8080\/tcp -> \[::\]:\1$/.exec(line);
    expect(m).not.toBeNull();
    expect(await httpGet(`http://127.0.0.1:${m?.[1]}/hostname`)).toMatch(/^[0-9a-f]{12}\n$/);
    await validateRoot(cli.root);
  }, 120_000);

  it("two containers on a user network reach each other by name and alias, as on podman's", async () => {
    const net = `e2enet${Date.now().toString(36)}`;
    const created = (await cli.ok("network", "create", net)).trim();
    expect(created).toMatch(/^[0-9a-f]{64}$/);
    expect(
      await cli.ok(
        "network",
        "ls",
        "--format",
        "{{.Name}} {{.Driver}} {{.Scope}}",
        "--filter",
        `name=${net}`,
      ),
    ).toBe(`${net} bridge local\n`);
    await cli.ok("run", "-d", "--name", "srv", "--network", net, "--network-alias", "db", image, ...HTTPD);
    const byName = await cli.ok(
      "run",
      "--rm",
      "--network",
      net,
      image,
      "sh",
      "-c",
      // `run -d` returns once the process runs, perhaps before httpd listens: asked until it answers.
      `${untilAnswers("http://srv:8080/hostname")}; wget -qO- http://db:8080/hostname`,
    );
    const srvHost = (await cli.ok("inspect", "-f", "{{.Config.Hostname}}", "srv")).trim();
    expect(byName).toBe(`${srvHost}\n${srvHost}\n`);
    // The default bridge resolves no names (as Docker's).
    expect((await cli.run(["run", "--rm", image, "wget", "-qO-", "http://srv:8080/hostname"])).code).not.toBe(
      0,
    );
    const inspected = JSON.parse(await cli.ok("network", "inspect", net))[0];
    expect(Object.values(inspected.Containers).map((c) => (c as { Name: string }).Name)).toEqual(["srv"]);
    expect(inspected.IPAM.Config[0].Subnet).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    const busy = await cli.run(["network", "rm", net]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain("has active endpoints");

    podmanNets.push(net);
    await podman("network", "create", net);
    await podmanRun("-d", "--name", "psrv", "--network", net, "--network-alias", "db", image, ...HTTPD);
    // podman's /etc/hostname has no newline at its end: one is added after each answer.
    const theirs = await podmanRun(
      "--rm",
      "--network",
      net,
      image,
      "sh",
      "-c",
      `${untilAnswers("http://psrv:8080/hostname")}; echo; wget -qO- http://db:8080/hostname; echo`,
    );
    const psrv = (await podman("inspect", "-f", "{{.Config.Hostname}}", "psrv")).trim();
    expect(theirs).toBe(`${psrv}\n${psrv}\n`);

    await cli.ok("rm", "-f", "srv");
    expect((await cli.ok("network", "rm", net)).trim()).toBe(net);
    expect(hostLinks().some((l) => l === `wharf-${created.slice(0, 9)}`)).toBe(false);
    await validateRoot(cli.root);
  }, 120_000);

  it("--network none has only lo, as podman's", async () => {
    const ours = linkNames(await cli.ok("run", "--rm", "--network", "none", image, "ip", "-o", "link"));
    expect(ours).toEqual(["lo"]);
    expect(linkNames(await podmanRun("--rm", "--network", "none", image, "ip", "-o", "link"))).toEqual(ours);
    await validateRoot(cli.root);
  }, 60_000);

  it("the default bridge's container sees lo and its eth0, none of the host's interfaces", async () => {
    const links = linkNames(await cli.ok("run", "--rm", image, "ip", "-o", "link"));
    expect(links).toEqual(["eth0", "lo"]);
    expect(hostLinks().filter((l) => l !== "lo" && l !== "eth0").length).toBeGreaterThan(0);
    const addr = addressOf(await cli.ok("run", "--rm", image, "ip", "-o", "-4", "addr"));
    const subnet = (
      await cli.ok("network", "inspect", "-f", "{{(index .IPAM.Config 0).Subnet}}", "bridge")
    ).trim();
    expect(addr?.split(".").slice(0, 2).join(".")).toBe(subnet.split(".").slice(0, 2).join("."));
    expect(linkNames(await podmanRun("--rm", image, "ip", "-o", "link"))).toEqual(["eth0", "lo"]);
    await validateRoot(cli.root);
  }, 60_000);

  it("releases the address after rm, and after a kill -9 of the keeper", async () => {
    const port = await freePort();
    const id = (await cli.ok("run", "-d", "-p", `${port}:8080`, image, ...HTTPD)).trim();
    const ip = (await cli.ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", id)).trim();
    expect(allocated(cli.root)).toContain(ip);
    expect((await natRulesWith(id)).length).toBeGreaterThan(0);
    await cli.ok("rm", "-f", id);
    expect(allocated(cli.root)).not.toContain(ip);
    expect(await natRulesWith(id)).toEqual([]);
    expect(existsSync(`/run/netns/wharf-${id}`)).toBe(false);

    const id2 = (await cli.ok("run", "-d", "-p", `${port}:8080`, image, ...HTTPD)).trim();
    const ip2 = (await cli.ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", id2)).trim();
    process.kill(keeperOf(cli.root, id2), "SIGKILL");
    // The container outlives its keeper (its port still answers); rm -f then releases everything.
    expect(await httpGet(`http://127.0.0.1:${port}/hostname`)).toBe(`${id2.slice(0, 12)}\n`);
    await cli.ok("rm", "-f", id2);
    expect(allocated(cli.root)).not.toContain(ip2);
    expect(await natRulesWith(id2)).toEqual([]);
    expect(existsSync(`/run/netns/wharf-${id2}`)).toBe(false);
    expect(reservedPorts((owner) => owner === id || owner === id2)).toEqual([]);
    await validateRoot(cli.root);
  }, 120_000);

  it("maps published TCP ports with one iptables-restore (portmap's ADD not run), which portmap's DEL undoes", async () => {
    // The bridge, its rules and portmap's entry chains made first, the plugin's way.
    const warm = await freePort();
    await cli.ok("rm", "-f", (await cli.ok("run", "-d", "-p", `${warm}:8080`, image, ...HTTPD)).trim());
    const plugins = await pluginsWith(
      join(dir, "cni-add-fails"),
      "portmap",
      `#!/bin/sh\n[ "$CNI_COMMAND" = ADD ] && { cat >/dev/null; echo '{"code":999,"msg":"portmap ADD ran"}'; exit 1; }\nexec ${installedPlugins()}/portmap\n`,
    );
    const port = await freePort();
    const r = await cli.run(["run", "-d", "-p", `127.0.0.1:${port}:8080`, image, ...HTTPD], {
      env: { CNI_PATH: plugins },
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(await httpGet(`http://127.0.0.1:${port}/hostname`)).toBe(`${id.slice(0, 12)}\n`);
    expect((await natRulesWith(id)).length).toBeGreaterThan(0);
    await cli.run(["rm", "-f", id], { env: { CNI_PATH: plugins } });
    expect(await natRulesWith(id)).toEqual([]);
    expect(reservedPorts((owner) => owner === id)).toEqual([]);
    await validateRoot(cli.root);
  }, 60_000);

  it("a port mapping that fails stops the container it was made for: the start fails, nothing is left", async () => {
    // The CNI plugins as installed, but a portmap that fails as the real one would (its error object),
    // and an iptables-restore that fails too: wharf's one batch of the rules (network/dnat.ts) is
    // refused, then the plugin it falls back to fails.
    const plugins = await pluginsWith(join(dir, "cni"), "portmap", failingPlugin(999, "iptables said no"));
    // The bridge and its rules made first, with the host's iptables-restore.
    await cli.ok("run", "--rm", image, "true");
    const tools = join(dir, "failing-tools");
    await mkdir(tools, { recursive: true });
    await writeFile(
      join(tools, "iptables-restore"),
      "#!/bin/sh\ncat >/dev/null\necho 'iptables-restore: said no' >&2\nexit 1\n",
    );
    await chmod(join(tools, "iptables-restore"), 0o755);
    const before = allocated(cli.root);
    const r = await cli.run(["run", "-d", "--name", "nomap", "-p", "8080", image, "sleep", "600"], {
      env: { CNI_PATH: plugins, PATH: `${tools}:${process.env.PATH ?? ""}` },
    });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain("network setup failed: CNI plugin portmap ADD: iptables said no");
    expect(await cli.ok("ps", "-a", "--format", "{{.Names}} {{.State}}", "--filter", "name=nomap")).toBe(
      "nomap created\n",
    );
    expect(allocated(cli.root)).toEqual(before);
    const id = (await cli.ok("inspect", "-f", "{{.Id}}", "nomap")).trim();
    expect(existsSync(`/run/netns/wharf-${id}`)).toBe(false);
    await validateRoot(cli.root);
  }, 60_000);

  it("a container whose root is removed under it gives back its namespace, address and port when it ends", async () => {
    const other = await wharfCli();
    try {
      await other.ok("pull", "-q", image);
      const id = (await other.ok("run", "-d", "-p", "8080", image, "sleep", "600")).trim();
      const pid = Number((await other.ok("inspect", "-f", "{{.State.Pid}}", id)).trim());
      expect((await natRulesWith(id)).length).toBeGreaterThan(0);
      // Its record and its networks go (the snapshots stay: the image is mounted under them).
      await rm(join(other.root, "containers"), { recursive: true, force: true });
      await rm(join(other.root, "networks"), { recursive: true, force: true });
      process.kill(pid, "SIGKILL");
      await waitUntil(() => !existsSync(`/run/netns/wharf-${id}`));
      expect(existsSync(`/run/netns/wharf-${id}`)).toBe(false);
      expect(await natRulesWith(id)).toEqual([]);
      expect(reservedPorts((owner) => owner.startsWith(id))).toEqual([]);
    } finally {
      await removeRootBridges(other.root);
      // The container's tree stays mounted (its record, which names it, went): unmount it first.
      for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
        const mnt = line.split(" ")[4];
        if (mnt?.startsWith(other.root)) await runTool("umount", ["-l", mnt]).catch(() => "");
      }
      await other.close();
    }
  }, 60_000);

  it("gives back, when a network runs out, the addresses of containers gone with a reboot", async () => {
    const net = `e2esm${Date.now().toString(36)}`;
    await cli.ok("network", "create", "--subnet", "10.231.8.0/29", net);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await cli.ok("run", "-d", "--network", net, image, "sleep", "600")).trim());
    const full = await cli.run(["run", "-d", "--network", net, image, "sleep", "600"]);
    expect(full.code).toBe(125);
    expect(full.stderr).toContain("no IP addresses available");
    // A reboot, as the host sees it: keepers, processes and namespaces gone; the records still say running.
    for (const id of ids) {
      const pid = Number((await cli.ok("inspect", "-f", "{{.State.Pid}}", id)).trim());
      process.kill(keeperOf(cli.root, id), "SIGKILL");
      process.kill(pid, "SIGKILL");
    }
    await new Promise((r) => setTimeout(r, 300));
    for (const id of ids) await runTool("ip", ["netns", "delete", `wharf-${id}`]).catch(() => "");
    const after = (await cli.ok("run", "-d", "--network", net, image, "sleep", "600")).trim();
    expect(
      await cli.ok("inspect", "-f", `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, after),
    ).toMatch(/^10\.231\.8\.[2-6]\n$/);
    expect(allocated(cli.root).filter((ip) => ip.startsWith("10.231.8."))).toHaveLength(1);
    await cli.run(["rm", "-f", after, ...ids]);
    await cli.ok("network", "rm", net);
    await validateRoot(cli.root);
  }, 120_000);

  it("--aux-address keeps addresses from containers; --ipam-opt and both shown by inspect as Docker's IPAM", async () => {
    const net = `e2eaux${Date.now().toString(36)}`;
    await cli.ok(
      "network",
      "create",
      "--subnet",
      "10.231.9.0/29",
      "--aux-address",
      "router=10.231.9.2",
      "--aux-address",
      "nas=10.231.9.3",
      "--ipam-opt",
      "team=blue",
      net,
    );
    expect(JSON.parse(await cli.ok("network", "inspect", "-f", "{{json .IPAM}}", net))).toEqual({
      Driver: "default",
      Options: { team: "blue" },
      Config: [
        {
          Subnet: "10.231.9.0/29",
          Gateway: "10.231.9.1",
          AuxiliaryAddresses: { router: "10.231.9.2", nas: "10.231.9.3" },
        },
      ],
    });
    // a /29 has 6 addresses: the gateway and the two aux addresses leave three for containers
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await cli.ok("run", "-d", "--network", net, image, "sleep", "600")).trim());
    const ips = await Promise.all(
      ids.map(async (id) =>
        (
          await cli.ok("inspect", "-f", `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, id)
        ).trim(),
      ),
    );
    expect(ips.sort()).toEqual(["10.231.9.4", "10.231.9.5", "10.231.9.6"]);
    const full = await cli.run(["run", "-d", "--network", net, image, "sleep", "600"]);
    expect(full.code).toBe(125);
    expect(full.stderr).toContain("no IP addresses available");
    await cli.run(["rm", "-f", ...ids]);
    const taken = await cli.run(["run", "--rm", "--network", net, "--ip", "10.231.9.2", image, "true"]);
    expect(taken.code).toBe(125);
    expect(taken.stderr).toContain("10.231.9.2 is not available");
    await cli.ok("network", "rm", net);
    const outside = await cli.run([
      "network",
      "create",
      "--subnet",
      "10.231.9.0/29",
      "--aux-address",
      "r=10.1.0.5",
      net,
    ]);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain("no matching subnet for aux-address 10.1.0.5");
    expect((await cli.run(["network", "inspect", net])).code).not.toBe(0);
    await validateRoot(cli.root);
  }, 120_000);

  it("a shim whose starter died before handing the network over makes it itself", async () => {
    const id = (await cli.ok("create", "-p", "8080", image, "sleep", "600")).trim();
    // A starter that made the namespace and died: the shim gets an empty pipe on fd 3.
    await runTool("ip", ["netns", "add", `wharf-${id}`]);
    const shim = spawn(
      process.execPath,
      [join(REPO_ROOT, "dist", "bundle", "shim.js"), JSON.stringify({ root: cli.root, id, network: true })],
      { detached: true, stdio: ["ignore", "ignore", "ignore", "pipe"] },
    );
    (shim.stdio[3] as NodeJS.WritableStream).end();
    shim.unref();
    const state = () => cli.ok("inspect", "-f", "{{.State.Status}}", id);
    await waitUntil(async () => (await state()) === "running\n");
    expect(await state()).toBe("running\n");
    expect(addressOf(await cli.ok("exec", id, "ip", "-o", "-4", "addr"))).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(await cli.ok("port", id)).toMatch(/^8080\/tcp -> 0\.0\.0\.0:(\d+)\n8080\/tcp -> \[::\]:\1\n$/);
    await cli.ok("rm", "-f", id);
    expect(existsSync(`/run/netns/wharf-${id}`)).toBe(false);
    await validateRoot(cli.root);
  }, 60_000);

  it("a container's process waits at the network's gate: a bridge that fails stops the start before it runs", async () => {
    // Slow enough for runc to be waiting at the gate when it fails.
    const plugins = await pluginsWith(
      join(dir, "cni-badbridge"),
      "bridge",
      failingPlugin(11, "no bridge today", "sleep 0.3\n"),
    );
    const env = { CNI_PATH: plugins };
    const before = allocated(cli.root);
    const r = await cli.run(["run", "--name", "gated", image, "sh", "-c", "echo ran"], { env });
    expect(r.stderr).toContain("network setup failed: CNI plugin bridge ADD: no bridge today");
    expect(r.code).toBe(125);
    expect(r.stdout).toBe("");
    expect(await cli.ok("logs", "gated")).toBe("");
    const id = (await cli.ok("inspect", "-f", "{{.Id}}", "gated")).trim();
    expect(existsSync(`/run/netns/wharf-${id}`)).toBe(false);
    expect(allocated(cli.root)).toEqual(before);
    // A bridge that takes its time and works: meanwhile runc has started the container and its
    // gate hook (grep on the container's network.gate FIFO) is waiting for the network.
    const seen = join(dir, "gate-waiters");
    await writeFile(
      join(plugins, "bridge"),
      `#!/bin/sh\nsleep 0.3\ngrep -l "network[.]gate" /proc/[0-9]*/cmdline 2>/dev/null | wc -l > ${seen}\nexec ${installedPlugins()}/bridge\n`,
    );
    const ok = await cli.run(["start", "-a", "gated"], { env });
    expect({ code: ok.code, stdout: ok.stdout }).toEqual({ code: 0, stdout: "ran\n" });
    expect(Number(readFileSync(seen, "utf8").trim())).toBeGreaterThanOrEqual(1);
    await validateRoot(cli.root);
  }, 60_000);

  it("reconciles after a crash: a container whose keeper and process are gone gives its address back", async () => {
    const id = (await cli.ok("run", "-d", image, "sleep", "600")).trim();
    const ip = (await cli.ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", id)).trim();
    const pid = Number((await cli.ok("inspect", "-f", "{{.State.Pid}}", id)).trim());
    process.kill(keeperOf(cli.root, id), "SIGKILL");
    process.kill(pid, "SIGKILL");
    await new Promise((r) => setTimeout(r, 300));
    expect(await cli.ok("ps", "-a", "--format", "{{.Status}}", "--filter", `id=${id}`)).toMatch(
      /^Exited \(255\)/,
    );
    expect(allocated(cli.root)).not.toContain(ip);
    expect(existsSync(`/run/netns/wharf-${id}`)).toBe(false);
    await validateRoot(cli.root);
  }, 60_000);

  it("two wharf processes starting containers at once never hand out one address twice", async () => {
    const starts = Array.from({ length: 6 }, () => cli.spawn(["run", "-d", image, "sleep", "60"]));
    const ids = (await Promise.all(starts.map((s) => s.done))).map((r) => r.stdout.trim());
    const ips = await Promise.all(
      ids.map(async (id) => (await cli.ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", id)).trim()),
    );
    expect(ips.every((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip))).toBe(true);
    expect(new Set(ips).size).toBe(ips.length);
    expect(allocated(cli.root)).toEqual([...ips].sort());
    await validateRoot(cli.root);
  }, 120_000);

  it("--add-host, --dns, --dns-search, --hostname and --ip write the container's files as Docker does; --mac-address", async () => {
    const net = `e2eip${Date.now().toString(36)}`;
    await cli.ok("network", "create", "--subnet", "10.231.7.0/24", net);
    const out = await cli.ok(
      "run",
      "--rm",
      "--network",
      net,
      "--ip",
      "10.231.7.77",
      "--hostname",
      "box",
      "--add-host",
      "db.local:10.0.0.9",
      "--dns",
      "10.0.0.53",
      "--dns-search",
      "example.test",
      image,
      "sh",
      "-c",
      "ip -o -4 addr; echo ---; cat /etc/hosts; echo ---; cat /etc/resolv.conf; echo ---; hostname",
    );
    const [addr = "", hosts = "", resolv = "", host = ""] = out.split("---\n");
    expect(addressOf(addr)).toBe("10.231.7.77");
    expect(hosts).toContain("10.0.0.9\tdb.local\n10.231.7.77\tbox\n");
    // A user network: Docker's embedded DNS (127.0.0.11), which forwards to the --dns server.
    expect(resolv).toBe("nameserver 127.0.0.11\nsearch example.test\noptions ndots:0\n");
    expect(host).toBe("box\n");
    const bad = await cli.run(["run", "--rm", "--ip", "10.231.7.5", image, "true"]);
    expect(bad.stderr).toContain("user specified IP address is supported on user defined networks only");
    const missing = await cli.run(["run", "--rm", "--network", "nosuchnet", image, "true"]);
    expect(missing.code).toBe(125);
    expect(missing.stderr).toContain("network nosuchnet not found");
    // --mac-address: the primary interface's MAC, as inspect shows it; Docker's CLI checks.
    await cli.ok(
      "run",
      "-d",
      "--name",
      "mac",
      "--network",
      net,
      "--mac-address",
      "92:D0:C6:0A:29:33",
      image,
      "sleep",
      "60",
    );
    expect(await cli.ok("exec", "mac", "cat", "/sys/class/net/eth0/address")).toBe("92:d0:c6:0a:29:33\n");
    // On a user network, as Docker, only the network's entry has it (the top-level one is the default bridge's).
    const macs =
      "{{.NetworkSettings.MacAddress}}|{{(index .NetworkSettings.Networks .HostConfig.NetworkMode).MacAddress}}";
    expect(await cli.ok("inspect", "-f", macs, "mac")).toBe("|92:d0:c6:0a:29:33\n");
    await cli.ok("rm", "-f", "mac");
    expect((await cli.run(["run", "--rm", "--mac-address", "92:d0", image, "true"])).stderr).toMatch(
      /^Error: 92:d0 is not a valid mac address\n/,
    );
    expect(
      (
        await cli.run([
          "run",
          "--rm",
          "--network",
          "none",
          "--mac-address",
          "92:d0:c6:0a:29:33",
          image,
          "true",
        ])
      ).stderr,
    ).toMatch(/^Error: conflicting options: mac-address and the network mode\n/);
    await cli.ok("network", "rm", net);
    await validateRoot(cli.root);
  }, 60_000);

  it("network connect and disconnect a running container; --network container: shares a namespace", async () => {
    const net = `e2ecn${Date.now().toString(36)}`;
    await cli.ok("network", "create", net);
    await cli.ok("run", "-d", "--name", "peer", "--network", net, image, ...HTTPD);
    await cli.ok("run", "-d", "--name", "roam", image, "sleep", "600");
    await cli.ok("network", "connect", "--alias", "wanderer", net, "roam");
    expect(linkNames(await cli.ok("exec", "roam", "ip", "-o", "link"))).toEqual(["eth0", "eth1", "lo"]);
    expect(await cli.ok("exec", "roam", "sh", "-c", untilAnswers("http://peer:8080/hostname"))).toMatch(
      /^[0-9a-f]{12}\n$/,
    );
    expect(await cli.ok("exec", "peer", "grep", "-c", "wanderer", "/etc/hosts")).toBe("1\n");
    const nets = JSON.parse(await cli.ok("inspect", "-f", "{{json .NetworkSettings.Networks}}", "roam"));
    expect(Object.keys(nets).sort()).toEqual(["bridge", net].sort());
    await cli.ok("network", "disconnect", net, "roam");
    expect(linkNames(await cli.ok("exec", "roam", "ip", "-o", "link"))).toEqual(["eth0", "lo"]);
    expect((await cli.run(["exec", "peer", "grep", "-c", "wanderer", "/etc/hosts"])).stdout).toBe("0\n");

    // Off the network its ports were published on: the ports go with the interface.
    const pub = (await cli.ok("run", "-d", "-p", "8080", image, "sleep", "600")).trim();
    expect(await cli.ok("port", pub)).toMatch(/^8080\/tcp -> 0\.0\.0\.0:(\d+)\n8080\/tcp -> \[::\]:\1\n$/);
    await cli.ok("network", "disconnect", "bridge", pub);
    expect(await cli.ok("port", pub)).toBe("");
    expect(await natRulesWith(pub)).toEqual([]);
    expect(linkNames(await cli.ok("exec", pub, "ip", "-o", "link"))).toEqual(["lo"]);

    const joined = await cli.ok(
      "run",
      "--rm",
      "--network",
      "container:peer",
      image,
      "ip",
      "-o",
      "-4",
      "addr",
    );
    const peerIp = (
      await cli.ok("inspect", "-f", `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, "peer")
    ).trim();
    expect(addressOf(joined)).toBe(peerIp);
    await cli.ok("rm", "-f", "peer", "roam");
    await cli.ok("network", "rm", net);
    await validateRoot(cli.root);
  }, 120_000);
});

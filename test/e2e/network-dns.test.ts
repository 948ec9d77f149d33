import { createSocket, type Socket } from "node:dgram";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  buildResponse,
  parseQuery,
  RCODE_NOERROR,
  RCODE_NXDOMAIN,
  TYPE_A,
} from "../../src/runtime/network/dns-wire.js";
import { hostResolvConf, resolvConf } from "../../src/runtime/network/etc.js";
import { netnsPath } from "../../src/runtime/network/layout.js";
import { pushBusyboxWith, removeContainers } from "./helpers/busybox-image.js";
import { removeRootBridges, waitUntil } from "./helpers/network.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const APPLETS = ["sh", "cat", "sleep", "true", "nslookup", "grep"];
/** The test's upstream DNS server: on the host's loopback, port 53, given to containers with --dns. */
const UPSTREAM = "127.53.9.1";

/** Whether the process runs (an ended one that init has not reaped yet does not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/**
 * A user network's DNS server end to end: busybox's nslookup (DNS alone, no /etc/hosts) in
 * containers of the built CLI, runc and the CNI plugins, against 127.0.0.11 as on Docker.
 */
describe("DNS on user-defined networks", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let image: string;
  let upstream: Socket;
  const asked: string[] = [];

  const ipOf = async (name: string, net: string) =>
    (await cli.ok("inspect", "-f", `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, name)).trim();
  const netId = async (net: string) => (await cli.ok("network", "inspect", "-f", "{{.Id}}", net)).trim();
  const serverPid = async (net: string): Promise<number> => {
    const path = join(cli.root, "networks", await netId(net), "dns.pid");
    return Number.parseInt(readFileSync(path, "utf8"), 10);
  };
  const nslookup = (...args: string[]) => cli.run(["exec", ...args]);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-dns-"));
    reg = await startDistribution();
    cli = await wharfCli();
    image = (
      await pushBusyboxWith(reg, join(dir, "layout"), {
        repo: "dnsbox",
        tag: "1",
        applets: APPLETS,
        cmd: ["sh"],
      })
    ).ref;
    await cli.ok("pull", "-q", image);
    await cli.ok("network", "create", "dnsnet");
    // ext.test is 192.0.2.44; every other name NXDOMAIN.
    upstream = createSocket("udp4");
    upstream.on("message", (msg, r) => {
      const q = parseQuery(msg);
      if (!q) return;
      asked.push(q.name);
      const known = q.name === "ext.test";
      const answers = known && q.type === TYPE_A ? [{ type: TYPE_A, address: "192.0.2.44" } as const] : [];
      upstream.send(
        buildResponse(msg, q, known ? RCODE_NOERROR : RCODE_NXDOMAIN, answers),
        r.port,
        r.address,
      );
    });
    await new Promise<void>((res) => upstream.bind(53, UPSTREAM, () => res()));
  }, 180_000);

  afterEach(async () => {
    const left = (await cli.ok("ps", "-aq")).split("\n").filter(Boolean);
    if (left.length > 0) await cli.run(["rm", "-f", ...left]);
    await removeContainers(cli);
  });

  afterAll(async () => {
    upstream?.close();
    await cli?.run(["network", "prune", "-f"]);
    if (cli) await removeRootBridges(cli.root);
    await reg?.close();
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers nslookup of a peer's name, alias, NAME.NETWORK and address, a peer started later at once", async () => {
    await cli.ok(
      "run",
      "-d",
      "--name",
      "web",
      "--network",
      "dnsnet",
      "--network-alias",
      "www",
      image,
      "sleep",
      "300",
    );
    await cli.ok("run", "-d", "--name", "asker", "--network", "dnsnet", image, "sleep", "300");
    const web = await ipOf("web", "dnsnet");
    expect(
      readFileSync(
        join(
          cli.root,
          "containers",
          (await cli.ok("inspect", "-f", "{{.Id}}", "asker")).trim(),
          "resolv.conf",
        ),
        "utf8",
      ),
    ).toMatch(/^nameserver 127\.0\.0\.11\n(search .*\n)?options (.* )?ndots:0\n$/);
    for (const name of ["web", "www", "web.dnsnet"]) {
      const r = await nslookup("asker", "nslookup", name);
      expect(r.stdout).toContain("Server:\t\t127.0.0.11");
      expect(r.stdout).toContain(`Name:\t${name}\nAddress: ${web}\n`);
    }
    const ptr = await nslookup("asker", "nslookup", web);
    expect(ptr.stdout).toContain("name = web.dnsnet");
    // Started after the asker: found at its first question.
    await cli.ok("run", "-d", "--name", "late", "--network", "dnsnet", image, "sleep", "300");
    const late = await nslookup("asker", "nslookup", "late");
    expect(late.stdout).toContain(`Address: ${await ipOf("late", "dnsnet")}\n`);
    // The short ID too.
    const id = (await cli.ok("inspect", "-f", "{{.Id}}", "late")).trim().slice(0, 12);
    expect((await nslookup("asker", "nslookup", id)).stdout).toContain(
      `Address: ${await ipOf("late", "dnsnet")}\n`,
    );
    // /etc/hosts keeps its peer lines (getaddrinfo's fast path).
    expect((await nslookup("asker", "cat", "/etc/hosts")).stdout).toContain(`${web}\tweb www `);
  });

  it("answers every container of an alias, and no name of another network", async () => {
    await cli.ok(
      "run",
      "-d",
      "--name",
      "s1",
      "--network",
      "dnsnet",
      "--network-alias",
      "svc",
      image,
      "sleep",
      "300",
    );
    await cli.ok(
      "run",
      "-d",
      "--name",
      "s2",
      "--network",
      "dnsnet",
      "--network-alias",
      "svc",
      image,
      "sleep",
      "300",
    );
    const r = await cli.run(["run", "--rm", "--network", "dnsnet", image, "nslookup", "svc"]);
    expect(r.stdout).toContain(`Address: ${await ipOf("s1", "dnsnet")}\n`);
    expect(r.stdout).toContain(`Address: ${await ipOf("s2", "dnsnet")}\n`);
    await cli.ok("network", "create", "othernet");
    await cli.ok("run", "-d", "--name", "hidden", "--network", "othernet", image, "sleep", "300");
    const hidden = await ipOf("hidden", "othernet");
    const other = await cli.run([
      "run",
      "--rm",
      "--network",
      "dnsnet",
      "--dns",
      UPSTREAM,
      image,
      "nslookup",
      "hidden",
    ]);
    expect(other.stdout + other.stderr).not.toContain(hidden);
    expect(other.stdout + other.stderr).toContain("NXDOMAIN");
    // Asked upstream, as an unknown name is.
    expect(asked).toContain("hidden");
  });

  it("forwards other names to the container's --dns servers (NXDOMAIN relayed); HostConfig.Dns unchanged", async () => {
    const found = await cli.run([
      "run",
      "--name",
      "ext",
      "--network",
      "dnsnet",
      "--dns",
      UPSTREAM,
      image,
      "nslookup",
      "ext.test",
    ]);
    expect(found.stdout).toContain("Name:\text.test\nAddress: 192.0.2.44\n");
    expect((await cli.ok("inspect", "-f", "{{json .HostConfig.Dns}}", "ext")).trim()).toBe(`["${UPSTREAM}"]`);
    const missing = await cli.run([
      "run",
      "--rm",
      "--network",
      "dnsnet",
      "--dns",
      UPSTREAM,
      image,
      "nslookup",
      "nope.test",
    ]);
    expect(missing.stdout + missing.stderr).toContain("can't find nope.test: NXDOMAIN");
    // The container's resolv.conf names 127.0.0.11, not the --dns server.
    const conf = await cli.run([
      "run",
      "--rm",
      "--network",
      "dnsnet",
      "--dns",
      UPSTREAM,
      "--dns-search",
      "corp.test",
      image,
      "cat",
      "/etc/resolv.conf",
    ]);
    expect(conf.stdout).toBe("nameserver 127.0.0.11\nsearch corp.test\noptions ndots:0\n");
  });

  it("answers a --link alias for the linking container alone (run --link, network connect --link)", async () => {
    await cli.ok("run", "-d", "--name", "db1", "--network", "dnsnet", image, "sleep", "300");
    const dbIp = await ipOf("db1", "dnsnet");
    const sleeper = (name: string, ...flags: string[]) =>
      cli.ok("run", "-d", "--name", name, ...flags, "--dns", UPSTREAM, image, "sleep", "300");
    await sleeper("linker", "--network", "dnsnet", "--link", "db1:Database");
    await sleeper("other", "--network", "dnsnet");
    const r = await nslookup("linker", "nslookup", "database");
    expect(r.stdout).toContain(`Name:\tdatabase\nAddress: ${dbIp}\n`);
    const o = await nslookup("other", "nslookup", "database");
    expect(o.stdout + o.stderr).toContain("can't find database: NXDOMAIN");
    // On a network connected with --link, asked through the server of the container's first one.
    await cli.ok("network", "create", "dnsnet2");
    try {
      await sleeper("late2", "--network", "dnsnet2");
      await cli.ok("network", "connect", "--link", "db1:dbx", "dnsnet", "late2");
      expect((await nslookup("late2", "nslookup", "dbx")).stdout).toContain(`Address: ${dbIp}\n`);
      expect((await nslookup("linker", "nslookup", "dbx")).stdout).not.toContain(dbIp);
    } finally {
      await cli.run(["rm", "-f", "late2"]);
      await cli.run(["network", "rm", "dnsnet2"]);
    }
  });

  it("leaves the default bridge's resolv.conf as it was (the host's servers, no 127.0.0.11)", async () => {
    const r = await cli.ok("run", "--rm", image, "cat", "/etc/resolv.conf");
    expect(r).toBe(resolvConf(hostResolvConf()));
    expect(r).not.toContain("127.0.0.11");
  });

  it("ends the network's server a few seconds after its last container, and when the network is removed", async () => {
    await cli.ok("run", "-d", "--name", "one", "--network", "dnsnet", image, "sleep", "300");
    const pid = await serverPid("dnsnet");
    expect(alive(pid)).toBe(true);
    const pidFile = join(cli.root, "networks", await netId("dnsnet"), "dns.pid");
    // The server's clock starts when its last member's namespace goes, which can be well before
    // `rm -f` returns on a busy host: that moment is watched.
    const ns = netnsPath((await cli.ok("inspect", "-f", "{{.Id}}", "one")).trim());
    let leftAt = 0;
    const watch = setInterval(() => {
      if (leftAt === 0 && !existsSync(ns)) leftAt = Date.now();
    }, 10);
    try {
      await cli.ok("rm", "-f", "one");
      expect(await waitUntil(() => !alive(pid), 15_000)).toBe(true);
    } finally {
      clearInterval(watch);
    }
    expect(leftAt).toBeGreaterThan(0);
    expect(Date.now() - leftAt).toBeGreaterThan(2000);
    expect(existsSync(pidFile)).toBe(false);
    // The next start on the network starts another.
    await cli.ok("run", "-d", "--name", "two", "--network", "dnsnet", image, "sleep", "300");
    const next = await serverPid("dnsnet");
    expect(next).not.toBe(pid);
    expect((await nslookup("two", "nslookup", "two")).stdout).toContain(
      `Address: ${await ipOf("two", "dnsnet")}\n`,
    );
    // A removed network's server ends at once (before its idle time).
    await cli.ok("network", "create", "gonenet");
    await cli.ok("run", "--rm", "--network", "gonenet", image, "true");
    const gone = await serverPid("gonenet");
    await cli.ok("network", "rm", "gonenet");
    expect(await waitUntil(() => !alive(gone), 2000)).toBe(true);
  });
});

import { createSocket } from "node:dgram";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { get } from "node:http";
import { connect, createServer, type LookupFunction } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/registry/testing/distribution.js";
import { pushBusyboxWith, removeContainers } from "./helpers/busybox-image.js";
import { removeRootBridges, waitUntil } from "./helpers/network.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const APPLETS = ["sh", "cat", "sleep", "true", "httpd", "mkdir", "echo"];

/** A busybox httpd on port 80 serving /www, whose index says `text`. */
const httpd = (text: string) => [
  "sh",
  "-c",
  `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`,
];

/**
 * `localhost` as IPv6 clients see it: the system's answer for family 6 (Debian's /etc/hosts has
 * `::1 localhost`), else ::1 (this host's /etc/hosts lists 127.0.0.1 only), as a resolver that
 * puts ::1 first gives it.
 */
const lookup6: LookupFunction = (host, opts, cb) =>
  dnsLookup(host, { ...opts, family: 6 }, (err, address, family) => {
    if (err && host === "localhost") {
      if ((opts as { all?: boolean }).all)
        (cb as (e: null, a: LookupAddress[]) => void)(null, [{ address: "::1", family: 6 }]);
      else cb(null, "::1", 6);
      return;
    }
    (cb as (e: typeof err, a: typeof address, f: typeof family) => void)(err, address, family);
  });

/** GET `url` with Node's http (its lookup limited to `family`); the body, or the error code. */
function fetchText(url: string, family?: 4 | 6): Promise<string> {
  return new Promise((resolve) => {
    const req = get(
      url,
      { ...(family ? { family } : {}), ...(family === 6 ? { lookup: lookup6 } : {}), timeout: 3000 },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c) => {
          body += c;
        });
        res.on("end", () => resolve(body));
        res.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
      },
    );
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
    req.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
  });
}

/** GET until the body is `want` (httpd may not listen yet when `run -d` returns). */
async function answers(url: string, want: string, family?: 4 | 6): Promise<string> {
  let last = "";
  await waitUntil(async () => {
    last = await fetchText(url, family);
    return last === want;
  }, 5000);
  return last;
}

/** Whether a TCP connection to host:port is refused. */
function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ host, port });
    c.on("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED"));
    c.on("connect", () => {
      c.destroy();
      resolve(false);
    });
  });
}

/** Binding [::]:port/udp (IPv6 only): the error code, undefined when it could. */
function udp6BindError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createSocket({ type: "udp6", ipv6Only: true });
    s.once("error", (e: NodeJS.ErrnoException) => {
      s.close();
      resolve(e.code);
    });
    s.bind({ address: "::", port, exclusive: true }, () => s.close(() => resolve(undefined)));
  });
}

function relayPid(root: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(root, "networks", "proxy.pid"), "utf8"), 10);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Published ports on [::1] and the host's IPv6 addresses (Docker's userland proxy): the built
 * CLI, runc, the CNI plugins, a busybox image from Distribution, and the root's relay process.
 */
describe("published ports over IPv6", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let image: string;

  beforeAll(async () => {
    // The host must have ::1: without it this test fails rather than proving nothing.
    const lo6 = Object.values(networkInterfaces())
      .flat()
      .some((a) => a?.address === "::1");
    if (!lo6) throw new Error("this host has no ::1: the IPv6 side of published ports cannot be tested");
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-port6-"));
    reg = await startDistribution();
    cli = await wharfCli();
    image = (
      await pushBusyboxWith(reg, join(dir, "layout"), {
        repo: "port6box",
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
    const pid = cli ? relayPid(cli.root) : undefined;
    if (pid && alive(pid)) process.kill(pid, "SIGTERM");
    if (cli) await removeRootBridges(cli.root);
    await reg?.close();
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("-p PORT:80 answers on [::1] and on localhost as IPv6, IPv4 still; rm -f closes both; the relay ends", async () => {
    const port = await freePort();
    await cli.ok("run", "-d", "--name", "web6", "-p", `${port}:80`, image, ...httpd("six"));
    expect(await answers(`http://[::1]:${port}/`, "six\n")).toBe("six\n");
    expect(await answers(`http://localhost:${port}/`, "six\n", 6)).toBe("six\n");
    expect(await answers(`http://127.0.0.1:${port}/`, "six\n", 4)).toBe("six\n");
    // Docker 27+ shows the IPv6 binding beside the IPv4 one.
    expect(await cli.ok("port", "web6")).toBe(`80/tcp -> 0.0.0.0:${port}\n80/tcp -> [::]:${port}\n`);
    expect(JSON.parse(await cli.ok("inspect", "-f", "{{json .NetworkSettings.Ports}}", "web6"))).toEqual({
      "80/tcp": [
        { HostIp: "0.0.0.0", HostPort: String(port) },
        { HostIp: "::", HostPort: String(port) },
      ],
    });
    expect(await cli.ok("ps", "--filter", "name=web6", "--format", "{{.Ports}}")).toBe(
      `0.0.0.0:${port}->80/tcp, [::]:${port}->80/tcp\n`,
    );
    const pid = relayPid(cli.root);
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid as number)).toBe(true);
    // A second container's port: the same relay serves it (no second process).
    const port2 = await freePort();
    await cli.ok("run", "-d", "--name", "web6b", "-p", `${port2}:80`, image, ...httpd("two"));
    expect(await answers(`http://[::1]:${port2}/`, "two\n")).toBe("two\n");
    expect(relayPid(cli.root)).toBe(pid);

    await cli.ok("rm", "-f", "web6");
    expect(await refused("::1", port)).toBe(true);
    expect(await refused("127.0.0.1", port)).toBe(true);
    expect(await answers(`http://[::1]:${port2}/`, "two\n")).toBe("two\n");
    await cli.ok("rm", "-f", "web6b");
    expect(await refused("::1", port2)).toBe(true);
    // The relay ends by itself a few seconds after its last mapping.
    expect(await waitUntil(() => !alive(pid as number), 10_000)).toBe(true);
    expect(relayPid(cli.root)).toBeUndefined();
    await validateRoot(cli.root);
  }, 60_000);

  it("-p 127.0.0.1:PORT:80 is not on ::1; -p [::1]:PORT:80 only there; a UDP port's [::] side held while it runs", async () => {
    const port = await freePort();
    await cli.ok("run", "-d", "--name", "v4only", "-p", `127.0.0.1:${port}:80`, image, ...httpd("four"));
    expect(await answers(`http://127.0.0.1:${port}/`, "four\n", 4)).toBe("four\n");
    expect(await refused("::1", port)).toBe(true);
    expect(await cli.ok("port", "v4only")).toBe(`80/tcp -> 127.0.0.1:${port}\n`);

    const port6 = await freePort();
    await cli.ok("run", "-d", "--name", "v6only", "-p", `[::1]:${port6}:80`, image, ...httpd("lo6"));
    expect(await answers(`http://[::1]:${port6}/`, "lo6\n")).toBe("lo6\n");
    expect(await refused("127.0.0.1", port6)).toBe(true);

    // UDP: the relay holds [::]:PORT/udp while the container runs (the relay's datagrams are
    // checked against a real echo in proxy-relay.test.ts: busybox has no UDP server here).
    const portU = await freePort();
    await cli.ok("run", "-d", "--name", "udp6", "-p", `${portU}:53/udp`, image, "sleep", "60");
    expect(await udp6BindError(portU)).toBe("EADDRINUSE");
    await cli.ok("rm", "-f", "udp6");
    expect(await udp6BindError(portU)).toBeUndefined();
  }, 60_000);

  it("a container that ends by itself closes its [::] side; a dual-stack network's gets [::1] too", async () => {
    const port = await freePort();
    await cli.ok(
      "run",
      "-d",
      "--name",
      "brief",
      "-p",
      `${port}:80`,
      image,
      "sh",
      "-c",
      "exec httpd -f -p 80 -h / & sleep 2",
    );
    expect(await refused("::1", port)).toBe(false);
    expect(await waitUntil(() => refused("::1", port), 15_000)).toBe(true);

    const net = `p6n${Date.now().toString(36).slice(-6)}`;
    await cli.ok(
      "network",
      "create",
      "--ipv6",
      "--subnet",
      "10.233.16.0/24",
      "--subnet",
      "fd00:e2e:16::/64",
      net,
    );
    try {
      const port2 = await freePort();
      await cli.ok(
        "run",
        "-d",
        "--name",
        "dual",
        "--network",
        net,
        "-p",
        `${port2}:80`,
        image,
        ...httpd("dual"),
      );
      expect(await answers(`http://[::1]:${port2}/`, "dual\n")).toBe("dual\n");
      expect(await answers(`http://127.0.0.1:${port2}/`, "dual\n", 4)).toBe("dual\n");
      await cli.ok("rm", "-f", "dual");
      expect(await refused("::1", port2)).toBe(true);
    } finally {
      await cli.run(["rm", "-f", "dual"]);
      await cli.run(["network", "rm", net]);
    }
  }, 60_000);

  it("a port some program holds on [::] fails the start in Docker's words, and leaves nothing", async () => {
    const port = await freePort();
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen({ host: "::", port, ipv6Only: true }, r));
    try {
      const r = await cli.run(["run", "-d", "--name", "clash", "-p", `${port}:80`, image, ...httpd("x")]);
      expect(r.code).toBe(125);
      expect(r.stderr).toContain(
        `Error starting userland proxy: listen tcp6 [::]:${port}: bind: address already in use`,
      );
      expect(await refused("127.0.0.1", port)).toBe(true);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
    // The port is free again for a container once the program let it go.
    await cli.ok("rm", "-f", "clash");
    await cli.ok("run", "-d", "--name", "after", "-p", `${port}:80`, image, ...httpd("after"));
    expect(await answers(`http://[::1]:${port}/`, "after\n")).toBe("after\n");
  }, 60_000);
});

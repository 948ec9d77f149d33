import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pushBusyboxWith } from "./helpers/busybox-image.js";
import { waitUntil } from "./helpers/network.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/** A port nobody listens on now (the kernel's pick, closed again). */
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

/** Whether a TCP server answers on the loopback port. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port }, () => {
      s.end();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/**
 * `--log-driver syslog` end to end, against Debian's rsyslogd (a real syslog server, started here
 * on loopback and a socket of its own): each line as one message, stdout at info and stderr at
 * err, the facility and the tag template, Docker's local format and RFC 5424, over a Unix
 * datagram socket, UDP and TCP; `logs` still reads the lines (dual logging) unless the cache is
 * off; a server that is not there fails the start; bad options are refused with nothing made.
 */
describe("the syslog logging driver", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let image: string;
  let rsyslog: number | undefined;
  let udp = 0;
  let tcp = 0;
  const out = () => readFileSync(join(dir, "out.log"), "utf8");
  const sock = () => join(dir, "log.sock");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-syslog-"));
    [udp, tcp] = [await freePort(), await freePort()];
    writeFileSync(
      join(dir, "rsyslog.conf"),
      [
        `global(workDirectory="${dir}")`,
        'module(load="imuxsock" SysSock.Use="off")',
        `input(type="imuxsock" Socket="${sock()}")`,
        'module(load="imudp")',
        `input(type="imudp" address="127.0.0.1" port="${udp}")`,
        'module(load="imtcp")',
        `input(type="imtcp" address="127.0.0.1" port="${tcp}")`,
        'template(name="raw" type="string" string="%syslogfacility-text%.%syslogseverity-text% %rawmsg%\\n")',
        `*.* action(type="omfile" file="${join(dir, "out.log")}" template="raw")`,
        "",
      ].join("\n"),
    );
    writeFileSync(join(dir, "out.log"), "");
    const child = spawn("rsyslogd", ["-n", "-f", join(dir, "rsyslog.conf"), "-i", join(dir, "rsyslog.pid")], {
      detached: true,
      stdio: "ignore",
    });
    rsyslog = child.pid;
    child.unref();
    reg = await startDistribution();
    cli = await wharfCli();
    image = (
      await pushBusyboxWith(reg, join(dir, "layout"), {
        repo: "syslogbox",
        tag: "1",
        applets: ["sh", "echo"],
        cmd: ["sh"],
      })
    ).ref;
    await cli.ok("pull", "-q", image);
    // rsyslogd is up once its socket is there and its TCP port answers.
    expect(await waitUntil(async () => existsSync(sock()) && (await answers(tcp)))).toBe(true);
  }, 180_000);

  afterEach(async () => {
    const left = (await cli.ok("ps", "-aq")).split("\n").filter(Boolean);
    if (left.length > 0) await cli.run(["rm", "-f", ...left]);
  });

  afterAll(async () => {
    if (rsyslog) process.kill(rsyslog, "SIGTERM");
    await reg?.close();
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const lines = async (marker: string, n: number) => {
    await waitUntil(
      () =>
        out()
          .split("\n")
          .filter((l) => l.includes(marker)).length >= n,
      10_000,
    );
    return out()
      .split("\n")
      .filter((l) => l.includes(marker));
  };

  it("sends each line over a Unix datagram socket in Docker's local format, stdout at info, stderr at err", async () => {
    const r = await cli.run([
      "run",
      "--name",
      "local1",
      "--log-driver",
      "syslog",
      "--log-opt",
      `syslog-address=unixgram://${sock()}`,
      "--log-opt",
      "syslog-facility=local3",
      image,
      "sh",
      "-c",
      "echo one-a; echo; echo two-a >&2",
    ]);
    expect(r.code).toBe(0);
    const id = (await cli.ok("inspect", "-f", "{{.Id}}", "local1")).trim();
    const got = await lines("-a", 2);
    expect(got).toHaveLength(2);
    const info = got.find((l) => l.includes("one-a")) ?? "";
    const err = got.find((l) => l.includes("two-a")) ?? "";
    // <PRI>Mmm dd hh:mm:ss TAG[PID]: MSG, local3 (19) * 8 + info (6) = 158, + err (3) = 155
    expect(info).toMatch(
      new RegExp(
        `^local3\\.info <158>\\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d ${id.slice(0, 12)}\\[\\d+\\]: one-a$`,
      ),
    );
    expect(err).toMatch(
      new RegExp(
        `^local3\\.err <155>\\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d ${id.slice(0, 12)}\\[\\d+\\]: two-a$`,
      ),
    );
    // dual logging: `logs` reads them too, the empty line included
    expect(await cli.ok("logs", "local1")).toBe("one-a\n\n");
    expect(await cli.ok("inspect", "-f", "{{json .HostConfig.LogConfig}}", "local1")).toBe(
      `{"Type":"syslog","Config":{"syslog-address":"unixgram://${sock()}","syslog-facility":"local3"}}\n`,
    );
  });

  it("sends RFC 5424 over UDP and the local format over TCP, with the tag template", async () => {
    await cli.ok(
      "run",
      "--name",
      "udp1",
      "--log-driver",
      "syslog",
      "--log-opt",
      `syslog-address=udp://127.0.0.1:${udp}`,
      "--log-opt",
      "syslog-format=rfc5424",
      "--log-opt",
      "tag={{.Name}}-{{.ImageName}}",
      image,
      "sh",
      "-c",
      "for i in 1 2 3; do echo u$i-b; done",
    );
    const tag = `udp1-${image}`;
    const got = await lines("-b", 3);
    expect(got).toHaveLength(3);
    // <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG, the tag as APP-NAME and MSGID
    got.forEach((l, i) => {
      const m =
        /^daemon\.info <30>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+[+-]\d\d:\d\d \S+ (\S+) (\d+) (\S+) - (.*)$/.exec(
          l,
        );
      expect(m?.slice(1)).toEqual([tag, m?.[2], tag, `u${i + 1}-b`]);
    });
    await cli.ok(
      "run",
      "--rm",
      "--log-driver",
      "syslog",
      "--log-opt",
      `syslog-address=tcp://127.0.0.1:${tcp}`,
      "--log-opt",
      "tag=fixed",
      image,
      "echo",
      "over-c",
    );
    const [t] = await lines("over-c", 1);
    expect(t).toMatch(/^daemon\.info <30>\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ fixed\[\d+\]: over-c$/);
  });

  it("keeps nothing for logs with cache-disabled=true", async () => {
    await cli.ok(
      "run",
      "--name",
      "nocache",
      "--log-driver",
      "syslog",
      "--log-opt",
      `syslog-address=udp://127.0.0.1:${udp}`,
      "--log-opt",
      "cache-disabled=true",
      image,
      "echo",
      "gone-d",
    );
    expect(await lines("gone-d", 1)).toHaveLength(1);
    const r = await cli.run(["logs", "nocache"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("configured logging driver does not support reading");
  });

  it("fails the start when the server is not there, and refuses bad options with nothing made", async () => {
    const dead = await freePort();
    const r = await cli.run([
      "run",
      "--name",
      "deadend",
      "--log-driver",
      "syslog",
      "--log-opt",
      `syslog-address=tcp://127.0.0.1:${dead}`,
      image,
      "echo",
      "never-e",
    ]);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(
      `failed to initialize logging driver: dial tcp 127.0.0.1:${dead}: connect: connection refused`,
    );
    expect((await cli.ok("ps", "-a", "--format", "{{.Names}} {{.State}}")).trim()).toBe("deadend created");
    await cli.ok("rm", "deadend");
    for (const [opt, words] of [
      ["syslog-address=foo", "syslog-address should be in form proto://address, got foo"],
      ["syslog-address=http://x:1", "unsupported scheme: 'http'"],
      [`syslog-address=unix://${join(dir, "nope.sock")}`, "no such file or directory"],
      ["syslog-facility=nope", "invalid syslog facility"],
      ["syslog-format=rfc9999", "Invalid syslog format: rfc9999"],
      ["bogus=1", "unknown log opt 'bogus' for syslog log driver"],
      ["tag={{.Nope}}", "can't evaluate {{.Nope}}"],
    ] as const) {
      const bad = await cli.run(["run", "--rm", "--log-driver", "syslog", "--log-opt", opt, image, "true"]);
      expect(bad.code).toBe(125);
      expect(bad.stderr).toContain(words);
    }
    expect(await cli.ok("ps", "-aq")).toBe("");
    expect(out()).not.toContain("never-e");
  });
});

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeE2E, composeTeardown, writeProject } from "./helpers/compose.js";
import type { RunningRegistry } from "./helpers/registries.js";
import type { WharfCli } from "./helpers/wharf-cli.js";

const APPLETS = ["sh", "cat", "sleep", "true"];

/**
 * daemon.json's container and network defaults for Compose's containers, end to end: the built CLI
 * with WHARF_DAEMON_CONFIG naming a file this test writes (never the host's /etc/docker/daemon.json),
 * runc, the CNI plugins and a busybox image pulled from Distribution.
 */
describe("compose with daemon.json", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let proj: string;
  let image: string;
  let file: string;
  // Subnets of this run's own (other tests make networks on the same host at the same time).
  const octet = 200 + (Date.now() % 50);
  const env = () => ({ WHARF_DAEMON_CONFIG: file });
  async function ok(...args: string[]): Promise<string> {
    const r = await cli.run(args, { env: env() });
    if (r.code !== 0) throw new Error(`wharf ${args.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }
  const compose = (...args: string[]) =>
    ok("compose", "-p", "e2edaemon", "-f", join(proj, "compose.yaml"), ...args);
  const inspect = async (ref: string, what: string) =>
    JSON.parse(await ok("inspect", "--format", `{{json ${what}}}`, ref));

  beforeAll(async () => {
    ({ dir, reg, cli, image } = await composeE2E({
      name: "compose-daemon-json",
      repo: "composedaemon",
      tag: null,
      applets: APPLETS,
    }));
    file = join(dir, "daemon.json");
    writeFileSync(
      file,
      JSON.stringify({
        "log-driver": "local",
        "log-opts": { "max-size": "1m" },
        dns: [`10.${octet}.250.53`],
        "dns-search": ["daemon.internal"],
        "default-ulimits": { nofile: { Name: "nofile", Soft: 1234, Hard: 2345 } },
        "default-address-pools": [{ base: `10.${octet}.0.0/16`, size: 24 }],
      }),
    );
    await ok("pull", "-q", image);
    proj = await writeProject(join(dir, "proj"), {
      "compose.yaml": `services:
  plain:
    image: ${image}
    command: [sleep, "300"]
  own:
    image: ${image}
    command: [sleep, "300"]
    logging: {driver: json-file, options: {max-size: 2m}}
    dns: [10.1.2.3]
    ulimits: {nofile: 100}
  bridged:
    image: ${image}
    command: [sleep, "300"]
    network_mode: bridge
`,
    });
  }, 180_000);

  afterAll(
    () =>
      composeTeardown(
        { dir, reg, cli },
        {
          commands: proj
            ? [["compose", "-p", "e2edaemon", "-f", join(proj, "compose.yaml"), "down", "-t", "0"]]
            : [],
          env: env(),
          pruneNetworks: true,
        },
      ),
    120_000,
  );

  it("up: the daemon's log driver, DNS and ulimits where the service says nothing; its own keys win", async () => {
    await compose("up", "-d");
    expect(await inspect("e2edaemon-plain-1", ".HostConfig.LogConfig")).toEqual({
      Type: "local",
      Config: { "max-size": String(1024 * 1024) },
    });
    expect(await inspect("e2edaemon-plain-1", ".HostConfig.Dns")).toEqual([`10.${octet}.250.53`]);
    expect(await inspect("e2edaemon-plain-1", ".HostConfig.Ulimits")).toEqual([
      { Name: "nofile", Hard: 2345, Soft: 1234 },
    ]);
    // On the project's network the embedded DNS server is the name server; the search domain is the daemon's.
    const resolv = await compose("exec", "-T", "plain", "cat", "/etc/resolv.conf");
    expect(resolv).toContain("search daemon.internal");
    expect(await compose("exec", "-T", "plain", "cat", "/proc/1/limits")).toMatch(
      /Max open files +1234 +2345 /,
    );
    // On the default bridge the daemon's server is in resolv.conf itself.
    const bridged = await compose("exec", "-T", "bridged", "cat", "/etc/resolv.conf");
    expect(bridged).toContain(`nameserver 10.${octet}.250.53`);
    expect(bridged).toContain("search daemon.internal");

    // logging:, dns: and ulimits: of the service win (the daemon's options are not given to another driver).
    expect(await inspect("e2edaemon-own-1", ".HostConfig.LogConfig")).toEqual({
      Type: "json-file",
      Config: { "max-size": String(2 * 1024 * 1024) },
    });
    expect(await inspect("e2edaemon-own-1", ".HostConfig.Dns")).toEqual(["10.1.2.3"]);
    expect(await compose("exec", "-T", "own", "cat", "/proc/1/limits")).toMatch(/Max open files +100 +100 /);
  }, 180_000);

  it("run: a one-off container gets them too", async () => {
    const out = await compose("run", "--rm", "-T", "bridged", "cat", "/etc/resolv.conf");
    expect(out).toContain(`nameserver 10.${octet}.250.53`);
  }, 120_000);

  it("the project's network takes its subnet from default-address-pools", async () => {
    const subnet = JSON.parse(
      await ok(
        "network",
        "inspect",
        "--format",
        "{{json (index .IPAM.Config 0).Subnet}}",
        "e2edaemon_default",
      ),
    );
    expect(subnet).toMatch(new RegExp(`^10\\.${octet}\\.\\d+\\.0/24$`));
  }, 60_000);
});

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAll, pushBusyboxWith } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/** The docker CLI's global options before the verb: `--config`, `-H`, `-c`, `-l`, the TLS ones. */
describe("global options", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let image: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-global-"));
    reg = await startDistribution();
    cli = await wharfCli();
    image = (
      await pushBusyboxWith(reg, join(dir, "layout"), { repo: "gbox", applets: ["sh", "env"], cmd: ["env"] })
    ).ref;
    await cli.ok("pull", "-q", image);
  }, 120_000);

  afterAll(async () => {
    await closeAll(cli, [reg], dir);
  });

  it("--config DIR is the config directory for every verb (run's proxies, logout's credentials)", async () => {
    const other = join(dir, "other-config");
    mkdirSync(other);
    writeFileSync(
      join(other, "config.json"),
      JSON.stringify({
        auths: { "reg.test": { auth: Buffer.from("u:p").toString("base64") } },
        proxies: { default: { httpProxy: "http://proxy.test:3128" } },
      }),
    );
    // The verb is found after the option's value: run goes to run's own bundle.
    const env = await cli.ok("--config", other, "-l", "info", "run", "--rm", "--network", "none", image);
    expect(env).toContain("HTTP_PROXY=http://proxy.test:3128\n");
    expect(await cli.ok("run", "--rm", "--network", "none", image)).not.toContain("proxy.test");
    expect(await cli.ok("--config", other, "logout", "reg.test")).toBe(
      "Removing login credentials for reg.test\n",
    );
    expect(JSON.parse(readFileSync(join(other, "config.json"), "utf8")).auths).toEqual({});
  }, 60_000);

  it("takes the local daemon socket and the default context, refuses any other daemon", async () => {
    const ok = await cli.ok(
      "-H",
      "unix:///var/run/docker.sock",
      "--context",
      "default",
      "--tlsverify",
      "images",
      "-q",
    );
    expect(ok).toMatch(/^[0-9a-f]{12}\n$/);
    const tcp = await cli.run(["-H", "tcp://127.0.0.1:2376", "ps"]);
    expect(tcp.code).toBe(1);
    expect(tcp.stderr).toContain("wharf has no daemon to connect to: -H tcp://127.0.0.1:2376");
    const ctx = await cli.run(["-c", "prod", "ps"]);
    expect(ctx.code).toBe(1);
    expect(ctx.stderr).toContain('context "prod" does not exist');
    const level = await cli.run(["--log-level", "loud", "ps"]);
    expect(level.code).not.toBe(0);
    expect(level.stderr).toContain("Unable to parse logging level: loud");
  }, 60_000);
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../testing/capture.js";

let root: string;
const cli = (...argv: string[]) => runCli(argv, { root, env: { ...process.env } });
const windowsOnly = (flag: string) =>
  `"--${flag}" is only supported on a Docker daemon running on windows, but the Docker daemon is running on linux`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "wharf-cli-refused-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("Windows-only run/create flags", () => {
  it("are refused as the docker CLI refuses them against a Linux daemon, one line a flag, status 1, nothing made", async () => {
    for (const verb of ["run", "create"]) {
      const r = await cli(verb, "--cpu-count", "2", "--io-maxiops", "100", "busybox", "true");
      expect(r.status).toBe(1);
      expect(r.stderr.split("\n").slice(0, 2)).toEqual([
        `Error: ${windowsOnly("cpu-count")}`,
        windowsOnly("io-maxiops"),
      ]);
      expect(r.stderr).toMatch(/\nHint: .*--cpus/);
      expect(r.stdout).toBe("");
    }
    for (const [flag, value] of [
      ["cpu-percent", "50"],
      ["io-maxbandwidth", "10m"],
      ["cpu-count", "0"],
    ] as const) {
      const r = await cli("run", `--${flag}`, value, "busybox");
      expect(r.status).toBe(1);
      expect(r.stderr.split("\n")[0]).toBe(`Error: ${windowsOnly(flag)}`);
    }
    expect((await cli("ps", "-a", "-q")).stdout).toBe("");
  });

  it("have their values read first, as pflag does (a usage error, 125)", async () => {
    const bw = await cli("run", "--io-maxbandwidth", "lots", "busybox");
    expect(bw.status).toBe(125);
    expect(bw.stderr).toBe(
      `invalid argument "lots" for "--io-maxbandwidth" flag: invalid size: 'lots'\nSee 'wharf run --help'.\n`,
    );
    const iops = await cli("create", "--io-maxiops", "-1", "busybox");
    expect(iops.status).toBe(125);
    expect(iops.stderr).toMatch(
      /^invalid argument "-1" for "--io-maxiops" flag: strconv\.ParseUint: parsing "-1": invalid syntax\nSee 'wharf create --help'\.\n$/,
    );
    const count = await cli("run", "--cpu-count", "two", "busybox");
    expect(count.status).toBe(125);
    expect(count.stderr).toMatch(/^invalid argument "two" for "--cpu-count" flag: strconv\.ParseInt/);
  });

  it("are hidden from the help, as the docker CLI hides them against a Linux daemon", async () => {
    const help = (await cli("run", "--help")).stdout;
    expect(help).toMatch(/--cpu-shares/);
    for (const flag of ["cpu-count", "cpu-percent", "io-maxbandwidth", "io-maxiops", "use-api-socket"]) {
      expect(help).not.toContain(`--${flag}`);
    }
  });
});

describe("--use-api-socket", () => {
  it("is refused with a hint before anything is made (no daemon, no API socket); =false is a plain flag", async () => {
    for (const verb of ["run", "create"]) {
      const r = await cli(verb, "--use-api-socket", "busybox", "true");
      expect(r.status).toBe(125);
      expect(r.stderr).toMatch(
        /^Error: --use-api-socket: wharf has no daemon, so there is no Docker API socket to mount into the container\nHint: /,
      );
    }
    expect((await cli("ps", "-a", "-q")).stdout).toBe("");
    // Not refused: the run goes on to look for the image (none here).
    const off = await cli("run", "--use-api-socket=false", "--pull", "never", "busybox:none", "true");
    expect(off.status).toBe(125);
    expect(off.stderr).not.toMatch(/use-api-socket/);
    expect(off.stderr).toMatch(/busybox:none/);
  });
});

describe("--kernel-memory", () => {
  it("is accepted and ignored by run and update, as Docker 23 and later (API 1.42) do; its value is still read", async () => {
    const bad = await cli("update", "--kernel-memory", "x", "nosuch");
    expect(bad.stderr).toMatch(/invalid argument "x" for "--kernel-memory" flag: invalid size: 'x'/);
    const r = await cli("update", "--kernel-memory", "50m", "nosuch");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/No such container: nosuch/);
    expect(r.stderr).not.toMatch(/unknown flag|must provide/);
  });
});

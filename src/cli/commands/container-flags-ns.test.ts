import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isWharfError } from "../../errors/index.js";
import { parseFlags } from "../flags.js";
import { RUN_FLAGS, runOptionsOf } from "./container-flags.js";
import { checkSysctl, parseLabelFile } from "./ns-flag-values.js";

const opts = (...argv: string[]) => runOptionsOf(parseFlags([...argv, "img"], RUN_FLAGS, false), [], {});

async function refusal(...argv: string[]): Promise<string> {
  try {
    await opts(...argv);
  } catch (e) {
    if (isWharfError(e)) {
      expect(e.hint ?? "").not.toBe("");
      return e.message;
    }
    throw e;
  }
  throw new Error(`not refused: ${argv.join(" ")}`);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "wharf-ns-flags-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("run's namespace flags", () => {
  it("add nothing to a plain run", async () => {
    const o = await opts("--rm");
    for (const k of ["shmSize", "pidMode", "ipcMode", "utsMode", "sysctls", "groupAdd", "domainname"]) {
      expect(o).not.toHaveProperty(k);
    }
  });

  it("read into RunOptions as Docker's CLI reads them", async () => {
    const o = await opts(
      ...[
        "--shm-size",
        "8m",
        "--pid",
        "host",
        "--ipc",
        "shareable",
        "--uts",
        "host",
        "--cgroupns",
        "private",
      ],
      ...[
        "--sysctl",
        "net.ipv4.ip_forward=1",
        "--sysctl",
        "kernel.shmmax=1048576",
        "--sysctl",
        "fs.mqueue.msg_max=20",
      ],
      ...[
        "--group-add",
        "audio",
        "--group-add",
        "4321",
        "--annotation",
        "org.example.a=b",
        "--annotation",
        "bare",
      ],
      ...["--network", "none"],
    );
    expect(o).toMatchObject({
      shmSize: 8 << 20,
      pidMode: "host",
      ipcMode: "shareable",
      utsMode: "host",
      cgroupnsMode: "private",
      sysctls: { "net.ipv4.ip_forward": "1", "kernel.shmmax": "1048576", "fs.mqueue.msg_max": "20" },
      groupAdd: ["audio", "4321"],
      annotations: { "org.example.a": "b", bare: "" },
    });
    // --domainname with --uts host is refused below; here without it.
    expect((await opts("--domainname", "example.org")).domainname).toBe("example.org");
    expect(await opts("--pid", "container:db", "--ipc", "container:db")).toMatchObject({
      pidMode: "container:db",
      ipcMode: "container:db",
    });
    // Docker's defaults are no option at all: private IPC, 0 (the default size) for --shm-size.
    const d = await opts(
      "--ipc",
      "private",
      "--shm-size",
      "0",
      "--runtime",
      "runc",
      "--isolation",
      "default",
    );
    expect(d).not.toHaveProperty("ipcMode");
    expect(d).not.toHaveProperty("shmSize");
    expect(
      await opts("--userns", "host", "--volume-driver", "local", "--sig-proxy=false", "-q"),
    ).not.toHaveProperty("pidMode");
  });

  it("refuse invalid modes and sizes with Docker's words", async () => {
    expect(await refusal("--pid", "container:")).toBe("--pid: invalid PID mode");
    expect(await refusal("--pid", "private")).toBe("--pid: invalid PID mode");
    expect(await refusal("--ipc", "other")).toBe("--ipc: invalid IPC mode");
    expect(await refusal("--uts", "private")).toBe("--uts: invalid UTS mode");
    expect(await refusal("--cgroupns", "x")).toBe("--cgroupns: invalid CGROUP mode");
    expect(await refusal("--shm-size", "lots")).toBe(
      `invalid argument "lots" for "--shm-size" flag: invalid size: 'lots'`,
    );
  });

  it("allow only Docker's namespaced sysctls, in namespaces of the container's own", async () => {
    for (const ok of [
      "kernel.msgmax=1",
      "kernel.sem=1 2 3 4",
      "kernel.shm_rmid_forced=1",
      "net.core.somaxconn=9",
    ]) {
      expect(() => checkSysctl(ok)).not.toThrow();
    }
    expect(await refusal("--sysctl", "kernel.hostname=x")).toBe(
      `invalid argument "kernel.hostname=x" for "--sysctl" flag: sysctl 'kernel.hostname=x' is not allowed`,
    );
    expect(await refusal("--sysctl", "vm.swappiness=1")).toMatch(/sysctl 'vm.swappiness=1' is not allowed$/);
    expect(await refusal("--sysctl", "net.ipv4.ip_forward")).toMatch(/is not allowed$/);
    expect(await refusal("--network", "host", "--sysctl", "net.ipv4.ip_forward=1")).toBe(
      `sysctl "net.ipv4.ip_forward" not allowed in host network namespace`,
    );
    expect(await refusal("--ipc", "host", "--sysctl", "kernel.shmmax=1")).toBe(
      `sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace`,
    );
  });

  it("refuse conflicting hostname and domain name options", async () => {
    expect(await refusal("--uts", "host", "--hostname", "h")).toBe(
      "conflicting options: hostname and the UTS mode",
    );
    expect(await refusal("--uts", "host", "--domainname", "d")).toBe(
      "conflicting options: domainname and the UTS mode",
    );
    expect(await refusal("--network", "host", "--domainname", "d")).toBe(
      "conflicting options: domainname and the network mode",
    );
  });
});

describe("run's bookkeeping flags", () => {
  it("read --label-file lines as Docker's ReadKVStrings, the -l flags over them", async () => {
    expect(parseLabelFile("\uFEFF# c\n\n  a=1\nb\nc=x=y \r\n", "f")).toEqual(["a=1", "b", "c=x=y "]);
    expect(() => parseLabelFile("bad key=1\n", "f")).toThrow("variable 'bad key' contains whitespaces");
    expect(() => parseLabelFile("=1\n", "f")).toThrow("no variable name on line '=1'");
    const file = join(dir, "labels");
    await writeFile(file, "a=from-file\nb=2\n");
    expect((await opts("--label-file", file, "-l", "a=flag")).labels).toEqual({ a: "flag", b: "2" });
    expect(await refusal("--label-file", join(dir, "missing"))).toBe(
      `open ${join(dir, "missing")}: no such file or directory`,
    );
  });

  it("keep --cidfile, --volumes-from and -a (lower case), checked", async () => {
    expect(await opts("--cidfile", "/tmp/c", "--volumes-from", "a", "--volumes-from", "b:ro")).toMatchObject({
      cidFile: "/tmp/c",
      volumesFrom: ["a", "b:ro"],
    });
    expect(await refusal("--volumes-from", "a:rx")).toBe("invalid mode for volumes-from: a:rx");
    expect(await refusal("-a", "stdio")).toBe(
      `invalid argument "stdio" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`,
    );
    expect(await refusal("-a", "stdout", "-d")).toBe(
      "conflicting options: cannot specify both --attach and --detach",
    );
    expect(await opts("-a", "STDOUT", "-a", "stdin")).toMatchObject({ attach: ["stdout", "stdin"] });
    expect((await opts("-i")).attach).toBeUndefined();
  });
});

describe("--link", () => {
  it("is kept as given, repeatable (the containers are checked at create: runtime/links.ts)", async () => {
    expect((await opts("--link", "db", "--link", "cache:kv")).links).toEqual(["db", "cache:kv"]);
    expect((await opts("--rm")).links).toBeUndefined();
  });
  it("refuses Docker's bad formats in its CLI's words", async () => {
    expect(await refusal("--link", "a:b:c")).toBe(
      'invalid argument "a:b:c" for "--link" flag: bad format for links: a:b:c',
    );
    expect(await refusal("--link", "db:")).toBe(
      'invalid argument "db:" for "--link" flag: bad format for links: db:',
    );
  });
});

describe("flags wharf cannot honour", () => {
  it("are refused with what to do instead, never ignored", async () => {
    expect(await refusal("--gpus", "all")).toMatch(/^--gpus is not supported/);
    expect(await refusal("--isolation", "hyperv")).toBe(
      "invalid isolation (hyperv): linux only supports 'default'",
    );
    expect(await refusal("--storage-opt", "size=1G")).toMatch(
      /^--storage-opt is supported only for overlay over xfs/,
    );
    expect(await refusal("--volume-driver", "nfs")).toBe(
      `error looking up volume plugin nfs: plugin "nfs" not found`,
    );
    expect(await refusal("--userns", "keep-id")).toBe("--userns: invalid USER mode");
    expect(await refusal("--runtime", "crun")).toBe("unknown or invalid runtime name: crun");
  });
});

describe("create", () => {
  it("takes run's flags but -d and --sig-proxy, as Docker's create", async () => {
    const { command } = await import("./create.js");
    const names = command.flags?.map((s) => s.name) ?? [];
    for (const n of ["shm-size", "ipc", "cidfile", "quiet", "attach", "annotation"])
      expect(names).toContain(n);
    expect(names).not.toContain("detach");
    expect(names).not.toContain("sig-proxy");
  });
});

import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isWharfError } from "../errors/index.js";
import { createContainer } from "./create.js";
import { inspectContainer } from "./inspect.js";
import { hostConfigNs } from "./inspect-ns.js";
import { asksNs, type NsRunOptions } from "./ns-types.js";
import { securityOf } from "./security.js";
import { buildSpec, type RuntimeSpec } from "./spec.js";
import { applyNs, groupIds, shmDir } from "./spec-ns.js";
import { updateRecord } from "./store.js";
import { busyboxRootfs, testContext } from "./testing/fixtures.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

type Spec = RuntimeSpec & {
  annotations?: Record<string, string>;
  linux: { sysctl?: Record<string, string> };
};

const base = {
  rootfs: "/r",
  readOnly: false,
  hostname: "abc",
  argv: ["sh"],
  env: [],
  cwd: "/",
  // As resolveUser gives app: its primary group, then extra, which lists it.
  user: { uid: 1000, gid: 1000, additionalGids: [1000, 2000], home: "/home/app" },
  tty: false,
  network: "none" as const,
  mounts: [],
  resources: { devices: [] },
  security: securityOf({}),
};

let ctx: RuntimeContext & { tmp: string };
let rootfs: string;

beforeAll(async () => {
  ctx = await testContext();
  rootfs = await busyboxRootfs(`${ctx.tmp}/rootfs`);
});
afterAll(async () => {
  // Retried as the harness's cleanup is: a record's or an event's write may still land meanwhile
  // (ENOTEMPTY was seen in CI).
  await rm(ctx.tmp, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
});

function make(o: NsRunOptions & { name?: string; interactive?: boolean } = {}): Promise<ContainerRecord> {
  return createContainer(ctx, {
    image: "busybox:test",
    imageId: `sha256:${"0".repeat(64)}`,
    imageConfig: { Cmd: ["sh"] },
    rootfs,
    network: "none",
    ...o,
  });
}

async function specOf(rec: ContainerRecord): Promise<Spec> {
  const spec = buildSpec(base) as Spec;
  await applyNs(ctx, rec, spec);
  return spec;
}

const types = (s: RuntimeSpec) => s.linux.namespaces.map((n) => (n.path ? `${n.type}=${n.path}` : n.type));
const shm = (s: RuntimeSpec) => s.mounts.filter((m) => m.destination === "/dev/shm");

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isWharfError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error("not refused");
}

describe("spec-ns", () => {
  it("is asked for only by a container that gives one of the options", () => {
    expect(asksNs({})).toBe(false);
    expect(asksNs({ volumesFrom: ["a"], cidFile: "/x" })).toBe(false);
    for (const o of [
      { shmSize: 1 },
      { pidMode: "host" },
      { sysctls: {} },
      { groupAdd: ["1"] },
      { domainname: "d" },
    ]) {
      expect(asksNs(o)).toBe(true);
    }
  });

  it("sizes the private /dev/shm, drops it for --ipc none, and binds the host's for --ipc host", async () => {
    const sized = await specOf(await make({ shmSize: 8 << 20 }));
    expect(shm(sized)).toEqual([
      {
        destination: "/dev/shm",
        type: "tmpfs",
        source: "shm",
        options: ["nosuid", "noexec", "nodev", "mode=1777", `size=${8 << 20}`],
      },
    ]);
    expect(types(sized)).toContain("ipc");
    const none = await specOf(await make({ ipcMode: "none" }));
    expect(shm(none)).toEqual([]);
    expect(types(none)).toContain("ipc");
    const host = await specOf(await make({ ipcMode: "host" }));
    expect(shm(host)).toEqual([
      { destination: "/dev/shm", type: "bind", source: "/dev/shm", options: ["rbind", "rprivate"] },
    ]);
    expect(types(host)).not.toContain("ipc");
  });

  it("drops the PID and UTS namespaces (and the hostname) for host, adds a cgroup one for private", async () => {
    const s = await specOf(await make({ pidMode: "host", utsMode: "host", cgroupnsMode: "private" }));
    expect(types(s).sort()).toEqual(["cgroup", "ipc", "mount", "network"]);
    expect(s.hostname).toBeUndefined();
  });

  it("sets sysctls, the domain name (as runc's kernel.domainname) and annotations", async () => {
    const s = await specOf(
      await make({
        sysctls: { "net.ipv4.ip_forward": "1", "kernel.shmmax": "1048576" },
        domainname: "example.org",
        annotations: { "org.example.a": "b" },
      }),
    );
    expect(s.linux.sysctl).toEqual({
      "net.ipv4.ip_forward": "1",
      "kernel.shmmax": "1048576",
      "kernel.domainname": "example.org",
    });
    expect(s.annotations).toEqual({ "org.example.a": "b" });
  });

  it("adds --group-add groups by number and by name from the container's /etc/group", async () => {
    // The user (app, 1000) is listed in extra (2000): Docker's supplementary groups, then the added.
    const s = await specOf(await make({ groupAdd: ["extra", "4321", "app"] }));
    expect(s.process.user.additionalGids).toEqual([2000, 4321, 1000]);
    expect(groupIds(["audio", "7"], "audio:x:29:\n")).toEqual([29, 7]);
    expect(await refusal(specOf(await make({ groupAdd: ["nosuch"] })))).toBe(
      "runtime: Unable to find group nosuch: no matching entries in group file",
    );
  });

  it("joins a running container's PID and IPC namespaces, and refuses what Docker refuses", async () => {
    const donor = await make({ name: "donor", ipcMode: "host" });
    const priv = await make({ name: "priv" });
    expect(await refusal(specOf(await make({ pidMode: "container:donor" })))).toBe(
      `conflict: cannot join PID of container donor: container ${donor.id} is not running`,
    );
    for (const r of [donor, priv]) {
      await updateRecord(ctx, r.id, (x) => ({ ...x, state: "running", pid: process.pid }), { live: true });
    }
    const joined = await specOf(await make({ pidMode: "container:donor", ipcMode: "container:donor" }));
    expect(types(joined)).toContain(`pid=/proc/${process.pid}/ns/pid`);
    expect(types(joined)).toContain(`ipc=/proc/${process.pid}/ns/ipc`);
    // A donor in the host's IPC namespace shares the host's /dev/shm.
    expect(shm(joined)[0]?.source).toBe("/dev/shm");
    expect(await refusal(specOf(await make({ ipcMode: "container:priv" })))).toBe(
      `invalid-argument: container ${priv.id}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`,
    );
    expect(shmDir(ctx, priv.id)).toBe(`${ctx.root}/containers/${priv.id}/shm`);
  });

  it("shows the options in inspect where Docker puts them, Docker's defaults when not given", async () => {
    expect(hostConfigNs({})).toEqual({
      ContainerIDFile: "",
      VolumesFrom: null,
      CgroupnsMode: "host",
      GroupAdd: null,
      IpcMode: "private",
      PidMode: "",
      UTSMode: "",
      UsernsMode: "",
      ShmSize: 67108864,
      Isolation: "",
      VolumeDriver: "",
      Links: null,
    });
    const rec = await make({
      shmSize: 8 << 20,
      pidMode: "host",
      ipcMode: "shareable",
      utsMode: "host",
      sysctls: { "net.core.somaxconn": "1024" },
      groupAdd: ["audio"],
      domainname: "example.org",
      annotations: { a: "b" },
      cidFile: "/tmp/cid",
    });
    const doc = inspectContainer(ctx, rec) as {
      HostConfig: Record<string, unknown>;
      Config: Record<string, unknown>;
    };
    expect(doc.HostConfig).toMatchObject({
      ShmSize: 8 << 20,
      PidMode: "host",
      IpcMode: "shareable",
      UTSMode: "host",
      Sysctls: { "net.core.somaxconn": "1024" },
      GroupAdd: ["audio"],
      Annotations: { a: "b" },
      ContainerIDFile: "/tmp/cid",
    });
    expect(doc.Config.Domainname).toBe("example.org");
    expect(
      (inspectContainer(ctx, await make()) as { Config: Record<string, unknown> }).Config.Domainname,
    ).toBe("");
  });

  it("shows Docker CLI's Config.Attach* and StdinOnce for -a, -i and run -d", async () => {
    const config = async (o: Parameters<typeof make>[0]) => {
      const c = (inspectContainer(ctx, await make(o)) as { Config: Record<string, unknown> }).Config;
      return [c.AttachStdin, c.AttachStdout, c.AttachStderr, c.OpenStdin, c.StdinOnce];
    };
    expect(await config({})).toEqual([false, true, true, false, false]);
    expect(await config({ attach: ["stdout"] })).toEqual([false, true, false, false, false]);
    expect(await config({ attach: ["stdin"] })).toEqual([true, false, false, false, false]);
    expect(await config({ interactive: true })).toEqual([true, true, true, true, true]);
    expect(await config({ interactive: true, attach: ["stderr"] })).toEqual([true, false, true, true, true]);
    expect(await config({ attach: [] })).toEqual([false, false, false, false, false]);
    expect(await config({ interactive: true, attach: [] })).toEqual([false, false, false, true, false]);
  });
});

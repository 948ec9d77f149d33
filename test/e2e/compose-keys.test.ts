import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushBusyboxWith } from "./helpers/busybox-image.js";
import { composeE2E, composeIn, composeTeardown, downs, writeProject } from "./helpers/compose.js";
import type { RunningRegistry } from "./helpers/registries.js";
import type { WharfCli } from "./helpers/wharf-cli.js";

const APPLETS = ["sh", "echo", "cat", "sleep", "true", "false", "httpd", "wget", "id", "touch", "hostname"];

/** Many run keys on one service; `peer` in its network namespace; `lim` limited through deploy. */
const KEYS = `name: e2ekeys
services:
  main:
    image: \${IMAGE}
    init: true
    command: [httpd, -f, -p, "8080", -h, /tmp]
    cap_add: [NET_ADMIN]
    cap_drop: [MKNOD]
    read_only: true
    security_opt: [no-new-privileges:true]
    group_add: ["1234"]
    mem_limit: 64m
    memswap_limit: 128m
    mem_reservation: 32m
    cpus: 0.5
    cpu_shares: 512
    cpuset: "0"
    pids_limit: 64
    shm_size: 16m
    ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 512}
    sysctls: {net.ipv4.ip_forward: "1"}
    tmpfs: [/tmp]
    devices: ["/dev/null:/dev/mynull:rwm"]
    dns: [192.0.2.53]
    dns_search: [example.com]
    dns_opt: ["ndots:2"]
    domainname: example.org
    stop_signal: SIGINT
    stop_grace_period: 7s
    logging: {driver: json-file, options: {max-size: 1m}}
    ipc: shareable
    oom_score_adj: 100
    annotations: {org.example.key: "v"}
    runtime: runc
    deploy:
      restart_policy: {condition: on-failure, max_attempts: 3}
  peer:
    image: \${IMAGE}
    init: true
    network_mode: "service:main"
    ipc: "service:main"
    command: [sleep, "300"]
  lim:
    image: \${IMAGE}
    init: true
    command: [sleep, "300"]
    privileged: true
    pid: host
    mac_address: 02:42:ac:11:00:99
    volumes_from: ["main:ro"]
    links: ["main:m"]
    deploy:
      resources:
        limits: {cpus: "0.25", memory: 48m, pids: 32}
        reservations: {memory: 16m}
`;

/** The same container as `main`, made by `wharf create` with docker run's flags. */
const MAIN_FLAGS = [
  "--cap-add=NET_ADMIN",
  "--cap-drop=MKNOD",
  "--read-only",
  "--security-opt=no-new-privileges:true",
  "--group-add=1234",
  "--memory=64m",
  "--memory-swap=128m",
  "--memory-reservation=32m",
  "--cpus=0.5",
  "--cpu-shares=512",
  "--cpuset-cpus=0",
  "--pids-limit=64",
  "--shm-size=16m",
  "--ulimit=nofile=1024:2048",
  "--ulimit=nproc=512:512",
  "--sysctl=net.ipv4.ip_forward=1",
  "--tmpfs=/tmp",
  "--device=/dev/null:/dev/mynull:rwm",
  "--dns=192.0.2.53",
  "--dns-search=example.com",
  "--dns-option=ndots:2",
  "--domainname=example.org",
  "--stop-signal=SIGINT",
  "--stop-timeout=7",
  "--log-driver=json-file",
  "--log-opt=max-size=1m",
  "--ipc=shareable",
  "--oom-score-adj=100",
  "--annotation=org.example.key=v",
  "--runtime=runc",
  "--restart=on-failure:3",
];

const HOST_FIELDS = [
  "CapAdd",
  "CapDrop",
  "ReadonlyRootfs",
  "SecurityOpt",
  "GroupAdd",
  "Memory",
  "MemorySwap",
  "MemoryReservation",
  "NanoCpus",
  "CpuShares",
  "CpusetCpus",
  "PidsLimit",
  "ShmSize",
  "Ulimits",
  "Sysctls",
  "Tmpfs",
  "Devices",
  "Dns",
  "DnsSearch",
  "DnsOptions",
  "LogConfig",
  "IpcMode",
  "OomScoreAdj",
  "Annotations",
  "RestartPolicy",
  "Runtime",
];

const HEALTH = `name: e2ewait
services:
  ok:
    image: \${IMAGE}
    init: true
    command: [sh, -c, "sleep 1; touch /ready; exec sleep 300"]
    healthcheck: {test: [CMD, cat, /ready], interval: 1s, retries: 30}
  plain:
    image: \${IMAGE}
    init: true
    command: [sleep, "300"]
`;

const NEVER = `name: e2ewaitbad
services:
  sick:
    image: \${IMAGE}
    init: true
    command: [sleep, "300"]
    healthcheck: {test: [CMD, "false"], interval: 1s, retries: 1000}
`;

const EXITS = `name: e2eexit
services:
  long:
    image: \${IMAGE}
    init: true
    command: [sleep, "300"]
  job:
    image: \${IMAGE}
    command: [sh, -c, "sleep 1; echo job-done; exit 3"]
  quiet:
    image: \${IMAGE}
    init: true
    attach: false
    command: [sh, -c, "echo hidden-line; exec sleep 300"]
`;

const PULL = `name: e2epull
services:
  dep:
    image: \${IMAGE2}
    init: true
    command: [sleep, "300"]
  app:
    image: \${IMAGE2}
    init: true
    command: [sleep, "300"]
    depends_on: [dep]
`;

const BUILD = `name: e2ebuild
services:
  app:
    build:
      context: .
      dockerfile_inline: |
        FROM \${IMAGE}
        ARG GREETING
        RUN echo "$$GREETING" > /greeting
      args:
        GREETING: inline-hello
      labels:
        org.example.built: "yes"
      tags: ["e2ebuild-extra:1"]
      no_cache: true
      network: none
    command: [cat, /greeting]
`;

type Inspect = {
  Name: string;
  HostConfig: Record<string, unknown>;
  Config: Record<string, unknown> & { Labels: Record<string, string> };
  State: { Pid: number };
};

/** `wharf compose`'s service keys, `up` options and build keys, end to end with the built CLI and runc. */
describe("compose: service keys, up options, build keys", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let image: string;
  const compose = (proj: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
    cli.run([...composeIn(proj), ...args], {
      env: { IMAGE: image, ...env },
      timeoutMs: 120_000,
    });
  const project = (name: string, yaml: string) => writeProject(join(dir, name), { "compose.yaml": yaml });
  const inspect = async (name: string) =>
    (JSON.parse(await cli.ok("inspect", name)) as Inspect[])[0] as Inspect;

  beforeAll(async () => {
    ({ dir, reg, cli, image } = await composeE2E({
      name: "compose-keys",
      repo: "composekeys",
      applets: APPLETS,
    }));
  }, 120_000);

  afterAll(() =>
    composeTeardown(
      { dir, reg, cli },
      {
        commands: [
          ...downs(["e2ekeys", "e2ewait", "e2ewaitbad", "e2eexit", "e2ebuild", "e2epull"], "-v"),
          ["rm", "-f", "e2ekeys-ref"],
        ],
      },
    ),
  );

  it("up: each run key is on the container as wharf run's flag puts it; service: modes share the namespaces", async () => {
    const proj = await project("keys", KEYS);
    const up = await compose(proj, ["up", "-d"]);
    expect(up.stderr).not.toContain("Error");
    expect(up.code).toBe(0);
    const main = await inspect("e2ekeys-main-1");
    const h = main.HostConfig;
    expect(h).toMatchObject({
      CapAdd: expect.arrayContaining([expect.stringContaining("NET_ADMIN")]),
      ReadonlyRootfs: true,
      GroupAdd: ["1234"],
      Memory: 64 * 1024 ** 2,
      MemorySwap: 128 * 1024 ** 2,
      MemoryReservation: 32 * 1024 ** 2,
      NanoCpus: 500_000_000,
      CpuShares: 512,
      CpusetCpus: "0",
      PidsLimit: 64,
      ShmSize: 16 * 1024 ** 2,
      Ulimits: [
        { Name: "nofile", Soft: 1024, Hard: 2048 },
        { Name: "nproc", Soft: 512, Hard: 512 },
      ],
      Sysctls: { "net.ipv4.ip_forward": "1" },
      Tmpfs: { "/tmp": "" },
      Dns: ["192.0.2.53"],
      DnsSearch: ["example.com"],
      DnsOptions: ["ndots:2"],
      LogConfig: { Type: "json-file" },
      IpcMode: "shareable",
      OomScoreAdj: 100,
      Annotations: { "org.example.key": "v" },
      RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 },
    });
    expect(main.Config).toMatchObject({ Domainname: "example.org", StopSignal: "SIGINT", StopTimeout: 7 });
    // wharf create with the same flags makes the same HostConfig.
    const ref = await cli.run(["create", "--name", "e2ekeys-ref", "--init", ...MAIN_FLAGS, image, "true"]);
    expect(ref.stderr).toBe("");
    const want = (await inspect("e2ekeys-ref")).HostConfig;
    for (const k of HOST_FIELDS) expect({ [k]: h[k] }).toEqual({ [k]: want[k] });

    // peer: in main's network and IPC namespaces (main's httpd on its loopback).
    const peer = await inspect("e2ekeys-peer-1");
    expect(String(peer.HostConfig.NetworkMode)).toMatch(/^container:/);
    const ex = await compose(proj, ["exec", "-T", "peer", "wget", "-qO-", "http://127.0.0.1:8080/"]);
    // main's httpd answered on peer's loopback (its /tmp is empty: a 404).
    expect(ex.stderr).toContain("404 Not Found");
    const ns = async (svc: string, which: string) =>
      (await compose(proj, ["exec", "-T", svc, "sh", "-c", `readlink /proc/self/ns/${which}`])).stdout.trim();
    expect(await ns("peer", "net")).toBe(await ns("main", "net"));
    expect(await ns("peer", "ipc")).toBe(await ns("main", "ipc"));
    expect(await ns("lim", "net")).not.toBe(await ns("main", "net"));

    // lim: deploy.resources as the limits, privileged, the host's PID namespace, main's volumes, the link.
    const lim = (await inspect("e2ekeys-lim-1")).HostConfig;
    expect(lim).toMatchObject({
      Memory: 48 * 1024 ** 2,
      NanoCpus: 250_000_000,
      PidsLimit: 32,
      MemoryReservation: 16 * 1024 ** 2,
      Privileged: true,
      PidMode: "host",
      VolumesFrom: ["e2ekeys-main-1:ro"],
    });
    const limNets = JSON.parse(
      await cli.ok("inspect", "-f", "{{json .NetworkSettings.Networks}}", "e2ekeys-lim-1"),
    ) as Record<string, { MacAddress: string }>;
    expect(limNets.e2ekeys_default?.MacAddress).toBe("02:42:ac:11:00:99");
    // On a user-defined network a link is an alias for this container only (as wharf run --link).
    const hosts = await compose(proj, ["exec", "-T", "lim", "cat", "/etc/hosts"]);
    expect(hosts.stdout).toMatch(/\tm(\s|$)/m);
    const viaLink = await compose(proj, ["exec", "-T", "lim", "wget", "-qO-", "http://m:8080/"]);
    expect(viaLink.stderr).toContain("404 Not Found");

    // config prints the keys in Compose's form; a second up keeps the containers, a changed key recreates.
    const cfg = await compose(proj, ["config"]);
    expect(cfg.stdout).toContain('mem_limit: "67108864"');
    expect(cfg.stdout).toContain("network_mode: service:main");
    const again = await compose(proj, ["up", "-d"]);
    expect(again.stderr).toContain("Container e2ekeys-main-1  Running");
    await writeFile(join(proj, "compose.yaml"), KEYS.replace("pids_limit: 64", "pids_limit: 65"));
    const changed = await compose(proj, ["up", "-d", "--no-deps", "main"]);
    expect(changed.stderr).toContain("Container e2ekeys-main-1  Recreate");
    expect((await inspect("e2ekeys-main-1")).HostConfig.PidsLimit).toBe(65);
    const kept = await compose(proj, ["up", "-d", "--no-recreate", "--no-deps", "lim"]);
    expect(kept.stderr).not.toContain("Recreate");
  }, 240_000);

  it("refuses a key wharf cannot honour, naming it, and makes nothing", async () => {
    const proj = await project("gpus", `name: e2egpus\nservices:\n  a: {image: "\${IMAGE}", gpus: all}\n`);
    const r = await compose(proj, ["up", "-d"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("wharf compose does not support services.a.gpus");
    expect((await cli.run(["inspect", "e2egpus-a-1"])).code).not.toBe(0);
  });

  it("up --wait: returns once the services run and the checked one is healthy; --wait-timeout fails in Compose's words", async () => {
    const proj = await project("wait", HEALTH);
    const r = await compose(proj, ["up", "--wait"]);
    expect(r.stderr).toContain("Container e2ewait-ok-1  Healthy");
    expect(r.stderr).toContain("Container e2ewait-plain-1  Healthy");
    expect(r.code).toBe(0);
    const st = JSON.parse(await cli.ok("inspect", "e2ewait-ok-1")) as {
      State: { Health: { Status: string } };
    }[];
    expect(st[0]?.State.Health.Status).toBe("healthy");
    const bad = await project("waitbad", NEVER);
    const t = await compose(bad, ["up", "--wait", "--wait-timeout", "3"]);
    expect(t.stderr).toContain("application not healthy after 3s");
    expect(t.code).not.toBe(0);
    const both = await compose(bad, ["up", "--wait", "--abort-on-container-exit"]);
    expect(both.stderr).toContain("--wait cannot be combined with --abort-on-container-exit");
  }, 120_000);

  it("up --abort-on-container-exit and --exit-code-from: the others stopped, the exit code returned", async () => {
    const proj = await project("exit", EXITS);
    const r = await compose(proj, ["up", "--abort-on-container-exit"]);
    expect(r.stdout).toContain("job-done");
    expect(r.stdout).toContain("e2eexit-job-1 exited with code 3");
    expect(r.stdout).toContain("Aborting on container exit...");
    expect(r.code).toBe(3);
    // attach: false: run, stopped by the abort, but not followed.
    expect(r.stdout).toMatch(/^Attaching to e2eexit-job-1, e2eexit-long-1$/m);
    expect(r.stdout).not.toContain("hidden-line");
    const q = JSON.parse(await cli.ok("inspect", "e2eexit-quiet-1")) as { State: { Status: string } }[];
    expect(q[0]?.State.Status).toBe("exited");
    expect((await inspect("e2eexit-long-1")).HostConfig).toBeDefined();
    const long = JSON.parse(await cli.ok("inspect", "e2eexit-long-1")) as { State: { Status: string } }[];
    expect(long[0]?.State.Status).toBe("exited");
    const from = await compose(proj, ["up", "--exit-code-from", "long", "-t", "1"]);
    expect(from.stdout).toContain("Aborting on container exit...");
    // long was stopped by the abort (SIGTERM, then SIGKILL after -t): its code, not job's.
    expect(from.code).not.toBe(3);
    const d = await compose(proj, ["up", "-d", "--abort-on-container-exit"]);
    expect(d.stderr).toContain("--detach cannot be combined with --abort-on-container-exit");
  }, 120_000);

  it("up --pull never, --quiet-pull, --always-recreate-deps", async () => {
    const image2 = (
      await pushBusyboxWith(reg, join(dir, "layout2"), {
        repo: "composekeys",
        tag: "2",
        applets: APPLETS,
        cmd: ["sh"],
      })
    ).ref;
    const proj = await project("pull", PULL);
    const never = await compose(proj, ["up", "-d", "--pull", "never"], { IMAGE2: image2 });
    expect(never.stderr).toContain("No such image");
    expect(never.code).not.toBe(0);
    const quiet = await compose(proj, ["up", "-d", "--quiet-pull"], { IMAGE2: image2 });
    expect(quiet.stderr).not.toContain("Pulling");
    expect(quiet.stderr).not.toContain("Unable to find image");
    expect(quiet.code).toBe(0);
    const same = await compose(proj, ["up", "-d", "app"], { IMAGE2: image2 });
    expect(same.stderr).not.toContain("Recreate");
    const deps = await compose(proj, ["up", "-d", "--always-recreate-deps", "app"], { IMAGE2: image2 });
    expect(deps.stderr).toContain("Container e2epull-dep-1  Recreate");
    expect(deps.stderr).not.toContain("Container e2epull-app-1  Recreate");
    const both = await compose(proj, ["up", "-d", "--always-recreate-deps", "--no-recreate"], {
      IMAGE2: image2,
    });
    expect(both.stderr).toContain("--always-recreate-deps and --no-recreate are incompatible");
  }, 120_000);

  it("build: dockerfile_inline with args, labels, tags, no_cache and network", async () => {
    const proj = await project("build", BUILD);
    const r = await compose(proj, ["up"]);
    expect(r.stderr).toContain("app  Built");
    expect(r.stdout).toContain("inline-hello");
    expect(r.code).toBe(0);
    const img = JSON.parse(await cli.ok("image", "inspect", "e2ebuild-app")) as {
      Id: string;
      Config: { Labels: Record<string, string> };
    }[];
    expect(img[0]?.Config.Labels).toMatchObject({
      "org.example.built": "yes",
      "com.docker.compose.service": "app",
    });
    const extra = JSON.parse(await cli.ok("image", "inspect", "e2ebuild-extra:1")) as { Id: string }[];
    expect(extra[0]?.Id).toBe(img[0]?.Id);
  }, 180_000);
});

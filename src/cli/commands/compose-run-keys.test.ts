import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadProject } from "../../compose/index.js";
import { serviceRunOptions, withDaemonDefaults } from "./compose-options.js";
import { forgetDaemonDocument } from "./daemon-config.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wharf-compose-run-keys-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const options = (yaml: string, name = "a") => {
  writeFileSync(join(dir, "compose.yaml"), yaml);
  const p = loadProject({ cwd: dir, env: {}, projectName: "p" });
  const s = p.services.find((x) => x.name === name);
  if (!s) throw new Error(name);
  return serviceRunOptions(p, s, `p-${name}-1`);
};

describe("service run keys as wharf run's options", () => {
  it("gives each key the option its docker run flag gives", () => {
    const o = options(`services:
  a:
    image: x
    cap_add: [net_admin]
    cap_drop: [MKNOD]
    privileged: true
    read_only: true
    security_opt: ["no-new-privileges:true"]
    group_add: ["100"]
    mem_limit: 64m
    memswap_limit: 128m
    mem_reservation: 32m
    cpus: 0.5
    cpu_shares: 512
    cpuset: "0"
    pids_limit: 50
    shm_size: 16m
    ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 100}
    sysctls: {net.ipv4.ip_forward: "1"}
    tmpfs: [/scratch]
    devices: ["/dev/null:/dev/mynull:rw"]
    dns: [9.9.9.9]
    dns_search: [example.com]
    dns_opt: [ndots:2]
    domainname: example.org
    mac_address: 02:42:ac:11:00:99
    stop_signal: SIGINT
    stop_grace_period: 1m30s
    logging: {driver: json-file, options: {max-size: 1m}}
    pid: host
    ipc: shareable
    cgroup_parent: /wharf-test
    oom_score_adj: 100
    annotations: {org.example: "1"}
    runtime: runc
    deploy: {restart_policy: {condition: on-failure, max_attempts: 2}}
`);
    expect(o).toMatchObject({
      capAdd: ["CAP_NET_ADMIN"],
      capDrop: ["CAP_MKNOD"],
      privileged: true,
      readOnly: true,
      noNewPrivileges: true,
      groupAdd: ["100"],
      memory: 64 * 1024 ** 2,
      memorySwap: 128 * 1024 ** 2,
      memoryReservation: 32 * 1024 ** 2,
      cpus: 0.5,
      cpuShares: 512,
      cpusetCpus: "0",
      pidsLimit: 50,
      shmSize: 16 * 1024 ** 2,
      sysctls: { "net.ipv4.ip_forward": "1" },
      dns: ["9.9.9.9"],
      dnsSearch: ["example.com"],
      dnsOptions: ["ndots:2"],
      domainname: "example.org",
      stopSignal: "SIGINT",
      stopTimeout: 90,
      pidMode: "host",
      ipcMode: "shareable",
      cgroupParent: "/wharf-test",
      oomScoreAdj: 100,
      annotations: { "org.example": "1" },
      restart: { name: "on-failure", maximumRetryCount: 2 },
    });
    expect(o.ulimits).toEqual([
      { name: "nofile", soft: 1024, hard: 2048 },
      { name: "nproc", soft: 100, hard: 100 },
    ]);
    expect(o.devices?.[0]).toMatchObject({ pathOnHost: "/dev/null", pathInContainer: "/dev/mynull" });
    expect(o.logOpts).toBeDefined();
    expect(o.mounts?.some((m) => m.type === "tmpfs" && m.destination === "/scratch")).toBe(true);
    expect(o.endpoints?.[0]?.mac).toBe("02:42:ac:11:00:99");
  });
  it("takes deploy.resources over mem_limit and cpus, as Compose", () => {
    const o = options(
      "services:\n  a: {image: x, mem_limit: 1g, cpus: 2, deploy: {resources: {limits: {memory: 50m, cpus: '0.25', pids: 9}, reservations: {memory: 10m}}}}\n",
    );
    expect(o).toMatchObject({
      memory: 50 * 1024 ** 2,
      cpus: 0.25,
      pidsLimit: 9,
      memoryReservation: 10 * 1024 ** 2,
    });
  });
  it("turns service: modes, links and volumes_from into the services' containers", () => {
    const yaml = `services:
  a: {image: x, network_mode: "service:b", pid: "service:b", links: [c], volumes_from: ["c:ro", "container:keep"]}
  b: {image: x}
  c: {image: x, container_name: see}
`;
    const o = options(yaml);
    expect(o.network).toBe("container:p-b-1");
    expect(o.endpoints).toBeUndefined();
    expect(o.pidMode).toBe("container:p-b-1");
    expect(o.links).toEqual(["see:c"]);
    expect(o.volumesFrom).toEqual(["see:ro", "keep"]);
    expect(options("services:\n  a: {image: x, network_mode: none}\n").network).toBe("none");
  });
  it("refuses in wharf run's words, naming the key", () => {
    expect(() => options("services:\n  a: {image: x, cap_add: [NOPE]}\n")).toThrow(
      'services.a.cap_add: invalid CapAdd: unknown capability: "CAP_NOPE"',
    );
    expect(() =>
      options("services:\n  a: {image: x, network_mode: host, mac_address: 02:42:ac:11:00:99}\n"),
    ).toThrow("services.a.mac_address: conflicting options: mac-address and the network mode");
    expect(() =>
      options("services:\n  a: {image: x, network_mode: 'service:b', dns: [1.1.1.1]}\n  b: {image: x}\n"),
    ).toThrow("services.a.dns: conflicting options: dns and the network mode");
    expect(() => options("services:\n  a: {image: x, network_mode: host, hostname: h}\n")).toThrow(
      "Conflicting options: hostname and the network mode",
    );
  });
});

describe("service build keys as wharf build's options", () => {
  it("gives each key the option its wharf build flag gives", async () => {
    const { buildKeyOptions } = await import("./compose-build-keys.js");
    writeFileSync(join(dir, "s.txt"), "x");
    writeFileSync(
      join(dir, "compose.yaml"),
      `services:
  a:
    platform: linux/arm64
    build:
      context: .
      dockerfile_inline: "FROM busybox"
      cache_to: [type=inline]
      network: host
      extra_hosts: ["h=10.0.0.1"]
      secrets: [s]
      additional_contexts: {dep: ./dep}
      shm_size: 2m
      ulimits: {nofile: {soft: 1, hard: 2}}
      no_cache: true
secrets: {s: {file: ./s.txt}}
`,
    );
    const p = loadProject({ cwd: dir, env: {}, projectName: "p" });
    const s = p.services[0];
    if (!s) throw new Error("a");
    const o = buildKeyOptions(p, s, {});
    expect(o).toMatchObject({
      file: "-",
      network: "host",
      extraHosts: [{ host: "h", ip: "10.0.0.1" }],
      secrets: [{ id: "s", file: join(dir, "s.txt") }],
      buildContexts: { dep: join(dir, "dep") },
      shmSize: 2 * 1024 ** 2,
      ulimits: [{ name: "nofile", soft: 1, hard: 2 }],
      noCache: true,
      platforms: ["linux/arm64"],
    });
    expect(o.cacheTo?.[0]?.type).toBe("inline");
    writeFileSync(join(dir, "compose.yaml"), "services:\n  a: {build: {context: ., network: mynet}}\n");
    const q = loadProject({ cwd: dir, env: {}, projectName: "p" });
    expect(() => buildKeyOptions(q, q.services[0] as (typeof q.services)[0], {})).toThrow(
      'services.a.build.network: network mode "mynet" not supported by wharf build',
    );
  });
});

describe("network_mode and ports", () => {
  it("refuses ports, expose and extra_hosts in another's network; discards ports on the host's, as Docker", () => {
    const b = "  b: {image: x}\n";
    expect(() =>
      options(`services:\n  a: {image: x, network_mode: "service:b", ports: ["80:80"]}\n${b}`),
    ).toThrow("services.a.ports: conflicting options: port publishing and the container type network mode");
    expect(() =>
      options(`services:\n  a: {image: x, network_mode: "service:b", extra_hosts: ["h:1.2.3.4"]}\n${b}`),
    ).toThrow("services.a.extra_hosts: conflicting options: custom host-to-IP mapping and the network mode");
    writeFileSync(
      join(dir, "compose.yaml"),
      "services:\n  a: {image: x, network_mode: host, ports: ['80:80']}\n",
    );
    const p = loadProject({ cwd: dir, env: {}, projectName: "p" });
    const warnings: string[] = [];
    const o = serviceRunOptions(p, p.services[0] as (typeof p.services)[0], "p-a-1", (w) => warnings.push(w));
    expect(o.publish).toBeUndefined();
    expect(o.network).toBe("host");
    expect(warnings).toEqual(["Published ports are discarded when using host network mode"]);
  });
});

describe("deploy.restart_policy", () => {
  it("says that delay and window are not applied", () => {
    writeFileSync(
      join(dir, "compose.yaml"),
      "services:\n  a: {image: x, deploy: {restart_policy: {condition: any, delay: 5s, window: 1m}}}\n",
    );
    const p = loadProject({ cwd: dir, env: {}, projectName: "p" });
    const warnings: string[] = [];
    const o = serviceRunOptions(p, p.services[0] as (typeof p.services)[0], "p-a-1", (w) => warnings.push(w));
    expect(o.restart).toEqual({ name: "always", maximumRetryCount: 0 });
    expect(warnings).toEqual([
      "services.a.deploy.restart_policy.delay is not supported without a swarm, it will be ignored",
      "services.a.deploy.restart_policy.window is not supported without a swarm, it will be ignored",
    ]);
  });
});

describe("daemon.json's container defaults", () => {
  const defaults = async (yaml: string, daemon: object | undefined, name = "a") => {
    writeFileSync(join(dir, "compose.yaml"), yaml);
    const file = join(dir, "daemon.json");
    if (daemon) writeFileSync(file, JSON.stringify(daemon));
    forgetDaemonDocument();
    const p = loadProject({ cwd: dir, env: {}, projectName: "p" });
    const s = p.services.find((x) => x.name === name) as (typeof p.services)[0];
    return withDaemonDefaults(serviceRunOptions(p, s, `p-${name}-1`), p, s, { WHARF_DAEMON_CONFIG: file });
  };
  const daemon = {
    "log-driver": "local",
    "log-opts": { "max-size": "5m" },
    dns: ["10.9.9.9"],
    "dns-search": ["example.test"],
    "default-ulimits": { nofile: { Name: "nofile", Soft: 1000, Hard: 2000 } },
    "default-shm-size": "32M",
    init: true,
  };

  it("fills in what the service does not say", async () => {
    const o = await defaults("services:\n  a: {image: x}\n", daemon);
    expect(o.logOpts).toEqual({ driver: "local", maxSize: 5 * 1024 * 1024 });
    expect(o.dns).toEqual(["10.9.9.9"]);
    expect(o.dnsSearch).toEqual(["example.test"]);
    expect(o.ulimits).toEqual([{ name: "nofile", soft: 1000, hard: 2000 }]);
    expect(o.shmSize).toBe(32 * 1024 * 1024);
    expect(o.init).toBe(true);
  });

  it("yields to the service's keys (init: false too)", async () => {
    const o = await defaults(
      `services:
  a:
    image: x
    logging: {driver: json-file, options: {max-size: 1m, max-file: "2"}}
    dns: [10.1.1.1]
    ulimits: {nofile: 500}
    shm_size: 8m
    init: false
`,
      daemon,
    );
    expect(o.logOpts).toEqual({ maxSize: 1024 * 1024, maxFile: 2 });
    expect(o.dns).toEqual(["10.1.1.1"]);
    expect(o.dnsSearch).toEqual(["example.test"]);
    expect(o.ulimits).toEqual([{ name: "nofile", soft: 500, hard: 500 }]);
    expect(o.shmSize).toBe(8 * 1024 * 1024);
    expect(o.init).toBeUndefined();
  });

  it("changes nothing without the file", async () => {
    const o = await defaults("services:\n  a: {image: x, init: true}\n", undefined);
    const p = loadProject({ cwd: dir, env: {}, projectName: "p" });
    expect(o).toEqual(serviceRunOptions(p, p.services[0] as (typeof p.services)[0], "p-a-1"));
    expect(o.logOpts).toBeUndefined();
    expect(o.dns).toBeUndefined();
  });
});

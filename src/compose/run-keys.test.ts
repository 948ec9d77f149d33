import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { configHash } from "./hash.js";
import { loadProject } from "./load.js";
import { projectYaml } from "./render.js";
import { goDurationNs, goDurationString } from "./run-keys.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wharf-compose-keys-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const load = (yaml: string, files: Record<string, string> = {}) => {
  writeFileSync(join(dir, "compose.yaml"), yaml);
  for (const [n, t] of Object.entries(files)) writeFileSync(join(dir, n), t);
  return loadProject({
    cwd: dir,
    env: {},
    projectName: "p",
    ...(files["b.yaml"] ? { files: ["compose.yaml", "b.yaml"] } : {}),
  });
};
const svc = (yaml: string, name = "a") => {
  const s = load(yaml).services.find((x) => x.name === name);
  if (!s) throw new Error(name);
  return s;
};

describe("run keys: normal forms", () => {
  it("reads sizes, cpus, lists and booleans as Compose does", () => {
    const s = svc(`services:
  a:
    image: x
    mem_limit: 64m
    memswap_limit: -1
    mem_reservation: "1gb"
    shm_size: 1048576
    cpus: "0.5"
    cpu_shares: 512
    cpuset: "0-1"
    pids_limit: 100
    cap_add: [NET_ADMIN]
    cap_drop: [MKNOD]
    privileged: true
    read_only: "true"
    security_opt: [no-new-privileges]
    group_add: [100, audio]
    dns: 1.1.1.1
    dns_search: example.com
    dns_opt: [ndots:2]
    tmpfs: /run
    oom_score_adj: -10
    stop_grace_period: 90s
    stop_signal: SIGINT
`);
    expect(s).toMatchObject({
      mem_limit: 64 * 1024 ** 2,
      memswap_limit: -1,
      mem_reservation: 1024 ** 3,
      shm_size: 1048576,
      cpus: 0.5,
      cpu_shares: 512,
      cpuset: "0-1",
      pids_limit: 100,
      cap_add: ["NET_ADMIN"],
      cap_drop: ["MKNOD"],
      privileged: true,
      read_only: true,
      security_opt: ["no-new-privileges"],
      group_add: ["100", "audio"],
      dns: ["1.1.1.1"],
      dns_search: ["example.com"],
      dns_opt: ["ndots:2"],
      tmpfs: ["/run"],
      oom_score_adj: -10,
      stop_grace_period: "1m30s",
      stop_signal: "SIGINT",
    });
  });
  it("takes both forms of ulimits, sysctls, devices and logging options", () => {
    const s = svc(`services:
  a:
    image: x
    ulimits: {nproc: 65535, nofile: {soft: 20000, hard: 40000}}
    sysctls: [net.core.somaxconn=1024]
    devices: [/dev/null, "/dev/zero:/dev/z", "/dev/full:r", {source: /dev/random, permissions: rw}]
    logging: {driver: json-file, options: {max-size: 1m}}
    annotations: [a.b=c]
`);
    expect(s.ulimits).toEqual({ nproc: 65535, nofile: { soft: 20000, hard: 40000 } });
    expect(s.sysctls).toEqual({ "net.core.somaxconn": "1024" });
    expect(s.devices).toEqual([
      { source: "/dev/null", target: "/dev/null", permissions: "rwm" },
      { source: "/dev/zero", target: "/dev/z", permissions: "rwm" },
      { source: "/dev/full", target: "/dev/full", permissions: "r" },
      { source: "/dev/random", target: "/dev/random", permissions: "rw" },
    ]);
    expect(s.logging).toEqual({ driver: "json-file", options: { "max-size": "1m" } });
    expect(s.annotations).toEqual({ "a.b": "c" });
  });
  it("reads deploy.resources and restart_policy beside replicas", () => {
    const s = svc(`services:
  a:
    image: x
    deploy:
      replicas: 2
      resources: {limits: {cpus: "1.5", memory: 50M, pids: 30}, reservations: {memory: 20M}}
      restart_policy: {condition: on-failure, max_attempts: 3, delay: 5s}
`);
    expect(s.deploy).toEqual({
      replicas: 2,
      resources: {
        limits: { cpus: 1.5, memory: 50 * 1024 ** 2, pids: 30 },
        reservations: { memory: 20 * 1024 ** 2 },
      },
      restart_policy: { condition: "on-failure", max_attempts: 3, delay: "5s" },
    });
  });
  it("makes network_mode, links, volumes_from and service: modes dependencies, as Compose infers them", () => {
    const p = load(`services:
  a: {image: x, network_mode: "service:b", links: ["c:db"], volumes_from: ["d:ro", "container:other"], ipc: "service:e"}
  b: {image: x}
  c: {image: x}
  d: {image: x}
  e: {image: x, network_mode: host}
`);
    const a = p.services.find((s) => s.name === "a");
    expect(a?.networks).toEqual({});
    expect(Object.keys(a?.depends_on ?? {}).sort()).toEqual(["b", "c", "d", "e"]);
    expect(a?.depends_on?.b).toEqual({ condition: "service_started", required: true });
    expect(p.services.map((s) => s.name).indexOf("a")).toBe(0);
    const printed = parse(projectYaml(p)).services.a;
    expect(printed.network_mode).toBe("service:b");
    expect(printed.networks).toBeUndefined();
  });
  it("prints sizes as Compose prints them and Go durations", () => {
    const yaml = projectYaml(
      load(
        "services:\n  a: {image: x, mem_limit: 1k, shm_size: 2k, deploy: {resources: {limits: {memory: 1k}}}}\n",
      ),
    );
    expect(yaml).toContain('mem_limit: "1024"');
    expect(yaml).toContain('shm_size: "2048"');
    expect(yaml).toContain('memory: "1024"');
    expect(goDurationString(goDurationNs("", "", "1h2m3.5s"))).toBe("1h2m3.5s");
    expect(goDurationString(goDurationNs("", "", "500ms"))).toBe("500ms");
    expect(goDurationString(goDurationNs("", "", 10))).toBe("10s");
  });
  it("merges list keys and map keys of a later file", () => {
    writeFileSync(join(dir, "b.yaml"), "services:\n  a: {cap_add: [SYS_TIME], sysctls: {k2: '2'}}\n");
    const s = load("services:\n  a: {image: x, cap_add: [NET_ADMIN], sysctls: {k1: '1'}}\n", {
      "b.yaml": "services:\n  a: {cap_add: [SYS_TIME], sysctls: {k2: '2'}}\n",
    }).services[0];
    expect(s?.cap_add).toEqual(["NET_ADMIN", "SYS_TIME"]);
    expect(s?.sysctls).toEqual({ k1: "1", k2: "2" });
  });
});

describe("run keys: refusals", () => {
  const refused = (yaml: string, words: string) => expect(() => load(yaml)).toThrow(words);
  it("refuses what wharf cannot honour, naming the key", () => {
    refused("services: {a: {image: x, gpus: all}}\n", "wharf compose does not support services.a.gpus");
    refused("services: {a: {image: x, isolation: hyperv}}\n", "services.a.isolation hyperv");
    refused("services: {a: {image: x, userns_mode: 'private'}}\n", "services.a.userns_mode private");
    refused(
      "services: {a: {image: x, runtime: runsc}}\n",
      "services.a.runtime runsc: wharf drives runc only",
    );
    refused("services: {a: {image: x, logging: {driver: fluentd}}}\n", "services.a.logging.driver fluentd");
    refused(
      "services: {a: {image: x, storage_opt: {size: 1G}}}\n",
      "wharf compose does not support services.a.storage_opt",
    );
    refused(
      "services: {a: {image: x, deploy: {resources: {reservations: {devices: []}}}}}\n",
      "services.a.deploy.resources.reservations.devices",
    );
  });
  it("refuses malformed values in Compose's words", () => {
    refused("services: {a: {image: x, mem_limit: lots}}\n", "services.a.mem_limit: invalid size: 'lots'");
    refused("services: {a: {image: x, cap_add: NET_ADMIN}}\n", "services.a.cap_add must be a array");
    refused("services: {a: {image: x, pull_policy: sometimes}}\n", 'invalid pull policy "sometimes"');
    refused("services: {a: {image: x, ulimits: {nofile: {soft: 2}}}}\n", "must have both soft and hard");
    refused(
      "services: {a: {image: x, network_mode: host, networks: [n]}}\nnetworks: {n: {}}\n",
      "service a declares mutually exclusive `network_mode` and `networks`",
    );
    refused("services: {a: {image: x, links: [nope]}}\n", 'service "a" depends on undefined service "nope"');
    refused("services: {a: {image: x, oom_score_adj: 2000}}\n", "oom_score_adj must be <= 1000");
  });
});

describe("run keys: config hash", () => {
  it("changes with each key that makes the container differently, not with pull_policy or replicas", () => {
    const base = svc("services: {a: {image: x}}\n");
    const h = configHash(base);
    for (const k of [
      "cap_add: [NET_ADMIN]",
      "mem_limit: 1g",
      "network_mode: host",
      "ulimits: {nofile: 10}",
      "logging: {driver: none}",
      "deploy: {resources: {limits: {cpus: 1}}}",
      "stop_grace_period: 3s",
    ])
      expect(configHash(svc(`services: {a: {image: x, ${k}}}\n`))).not.toBe(h);
    expect(configHash(svc("services: {a: {image: x, pull_policy: always, deploy: {replicas: 2}}}\n"))).toBe(
      h,
    );
  });
});

describe("build keys", () => {
  it("reads the build keys wharf build takes as flags", () => {
    const b = svc(`services:
  a:
    build:
      context: .
      dockerfile_inline: "FROM busybox\\n"
      labels: [l=1]
      cache_from: ["type=local,src=/c"]
      network: none
      shm_size: 1m
      extra_hosts: {h: 10.0.0.1}
      ssh: [default]
      platforms: [linux/amd64]
      tags: [x:1]
      no_cache: true
      pull: true
      additional_contexts: {dep: ./dep, img: "docker-image://busybox"}
      ulimits: {nofile: 10}
`).build;
    expect(b).toMatchObject({
      dockerfile_inline: "FROM busybox\n",
      labels: { l: "1" },
      cache_from: ["type=local,src=/c"],
      network: "none",
      shm_size: 1024 ** 2,
      extra_hosts: ["h:10.0.0.1"],
      ssh: ["default"],
      platforms: ["linux/amd64"],
      tags: ["x:1"],
      no_cache: true,
      pull: true,
      additional_contexts: { dep: join(dir, "dep"), img: "docker-image://busybox" },
      ulimits: { nofile: 10 },
    });
    mkdirSync(join(dir, "base"));
    writeFileSync(
      join(dir, "base", "base.yaml"),
      "services:\n  b: {build: {context: ., additional_contexts: {dep: ./dep, img: 'docker-image://x'}}}\n",
    );
    const ext = svc("services:\n  a: {extends: {file: base/base.yaml, service: b}}\n").build;
    expect(ext?.additional_contexts).toEqual({ dep: join(dir, "base", "dep"), img: "docker-image://x" });
    expect(() =>
      load("services:\n  a: {build: {context: ., dockerfile: D, dockerfile_inline: x}}\n"),
    ).toThrow("dockerfile and dockerfile_inline are mutually exclusive");
    expect(() => load("services:\n  a: {build: {context: ., privileged: true}}\n")).toThrow(
      "wharf compose does not support services.a.build.privileged",
    );
  });
});

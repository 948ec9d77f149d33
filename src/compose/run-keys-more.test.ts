import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { configHash } from "./hash.js";
import { loadProject } from "./load.js";
import { projectYaml } from "./render.js";
import { microseconds } from "./run-keys.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wharf-compose-more-keys-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const load = (yaml: string, files: Record<string, string> = {}) => {
  writeFileSync(join(dir, "compose.yaml"), yaml);
  for (const [n, t] of Object.entries(files)) writeFileSync(join(dir, n), t);
  return loadProject({ cwd: dir, env: {}, projectName: "p" });
};
const svc = (yaml: string, files: Record<string, string> = {}) => {
  const s = load(yaml, files).services[0];
  if (!s) throw new Error("no service");
  return s;
};
const refused = (yaml: string, words: string) => expect(() => load(yaml)).toThrow(words);

const KEYS = `services:
  a:
    image: x
    cpu_period: 100000
    cpu_quota: "50ms"
    cpu_rt_period: 1400us
    cpu_rt_runtime: "95000"
    mem_swappiness: 10
    oom_kill_disable: true
    uts: host
    cgroup: private
    device_cgroup_rules: ["c 1:3 mr", "a 7:* rmw"]
    external_links: [db, "cache:redis"]
    blkio_config:
      weight: 300
      weight_device: [{path: /dev/sda, weight: 400}]
      device_read_bps: [{path: /dev/sda, rate: 12mb}]
      device_write_bps: [{path: /dev/sda, rate: 1024k}]
      device_read_iops: [{path: /dev/sda, rate: 120}]
      device_write_iops: [{path: /dev/sda, rate: "30"}]
    networks:
      n:
        aliases: [x1]
        link_local_ips: [169.254.8.8, "fe80::8"]
networks: {n: {}}
`;

describe("more run keys: normal forms", () => {
  it("reads the cgroup, blkio, namespace and link keys into Compose's normal form", () => {
    const s = svc(KEYS);
    expect(s).toMatchObject({
      cpu_period: 100000,
      cpu_quota: 50000,
      cpu_rt_period: 1400,
      cpu_rt_runtime: 95000,
      mem_swappiness: 10,
      oom_kill_disable: true,
      uts: "host",
      cgroup: "private",
      device_cgroup_rules: ["c 1:3 mr", "a 7:* rmw"],
      external_links: ["db", "cache:redis"],
      blkio_config: {
        weight: 300,
        weight_device: [{ path: "/dev/sda", weight: 400 }],
        device_read_bps: [{ path: "/dev/sda", rate: 12 * 1024 ** 2 }],
        device_write_bps: [{ path: "/dev/sda", rate: 1024 ** 2 }],
        device_read_iops: [{ path: "/dev/sda", rate: 120 }],
        device_write_iops: [{ path: "/dev/sda", rate: 30 }],
      },
      networks: { n: { aliases: ["x1"], link_local_ips: ["169.254.8.8", "fe80::8"] } },
    });
    // external_links name containers outside the project: no dependency.
    expect(s.depends_on).toBeUndefined();
  });

  it("reads microseconds as integers and Go durations", () => {
    expect(microseconds("f", "w", 250)).toBe(250);
    expect(microseconds("f", "w", "1s")).toBe(1_000_000);
    expect(microseconds("f", "w", "1.5ms")).toBe(1500);
    expect(() => microseconds("f", "w", "soon")).toThrow("w: invalid duration soon");
    expect(() => microseconds("f", "w", true)).toThrow("w must be a integer or string");
  });

  it("prints them as Compose prints them (rates as byte values, durations as microseconds)", () => {
    const out = parse(projectYaml(load(KEYS))).services.a;
    expect(out.blkio_config).toEqual({
      weight: 300,
      weight_device: [{ path: "/dev/sda", weight: 400 }],
      device_read_bps: [{ path: "/dev/sda", rate: String(12 * 1024 ** 2) }],
      device_write_bps: [{ path: "/dev/sda", rate: String(1024 ** 2) }],
      device_read_iops: [{ path: "/dev/sda", rate: "120" }],
      device_write_iops: [{ path: "/dev/sda", rate: "30" }],
    });
    expect(out).toMatchObject({
      cpu_quota: 50000,
      cpu_rt_period: 1400,
      cgroup: "private",
      uts: "host",
      external_links: ["db", "cache:redis"],
    });
    expect(out.networks.n).toEqual({ aliases: ["x1"], link_local_ips: ["169.254.8.8", "fe80::8"] });
  });

  it("reads label_file as KEY=VALUE lines under labels:, which win", () => {
    const s = svc("services: {a: {image: x, label_file: [./a.labels, b.labels], labels: {over: mine}}}\n", {
      "a.labels": "# c\none=1\nover=file\n",
      "b.labels": "two=2\n",
    });
    expect(s.labels).toEqual({ one: "1", two: "2", over: "mine" });
    expect(svc("services: {a: {image: x, label_file: a.labels}}\n", { "a.labels": "k=v\n" }).labels).toEqual({
      k: "v",
    });
    expect(() => load("services: {a: {image: x, label_file: nope.labels}}\n")).toThrow(
      `failed to load label file ${join(dir, "nope.labels")}`,
    );
  });
});

describe("more run keys: refusals", () => {
  it("refuses malformed values in Compose's words", () => {
    refused(
      "services: {a: {image: x, cgroup: shared}}\n",
      'services.a.cgroup must be one of the following: "host", "private"',
    );
    refused("services: {a: {image: x, cpu_period: soon}}\n", "services.a.cpu_period: invalid duration soon");
    refused(
      "services: {a: {image: x, mem_swappiness: lots}}\n",
      "services.a.mem_swappiness must be a integer",
    );
    refused(
      "services: {a: {image: x, oom_kill_disable: yes}}\n",
      "services.a.oom_kill_disable must be a boolean",
    );
    refused(
      "services: {a: {image: x, device_cgroup_rules: 'c 1:3 r'}}\n",
      "services.a.device_cgroup_rules must be a array",
    );
    refused(
      "services: {a: {image: x, blkio_config: {device_read_bps: [{path: /dev/sda, rate: fast}]}}}\n",
      "services.a.blkio_config.device_read_bps.0.rate: invalid size: 'fast'",
    );
    refused(
      "services: {a: {image: x, blkio_config: {weight_device: [{weight: 10}]}}}\n",
      "services.a.blkio_config.weight_device.0 missing property 'path'",
    );
    refused(
      "services: {a: {image: x, blkio_config: {speed: 1}}}\n",
      "additional properties 'speed' not allowed",
    );
    refused(
      "services: {a: {image: x, networks: {n: {link_local_ips: 169.254.1.1}}}}\nnetworks: {n: {}}\n",
      "services.a.networks.n.link_local_ips must be a array",
    );
  });

  it("refuses the keys wharf cannot have by name, with the reason", () => {
    refused("services: {a: {image: x, cpu_count: 2}}\n", "services.a.cpu_count: Windows containers only");
    refused(
      "services: {a: {image: x, cpu_percent: 50}}\n",
      "services.a.cpu_percent: Windows containers only",
    );
    refused("services: {a: {image: x, credential_spec: {file: a.json}}}\n", "for Windows containers only");
    refused(
      "services: {a: {image: x, storage_opt: {size: 1G}}}\n",
      "services.a.storage_opt: wharf's overlay",
    );
    refused("services: {a: {image: x, use_api_socket: true}}\n", "no Docker API socket");
    refused("services: {a: {image: x, models: [m]}}\n", "services.a.models: wharf has no model runner");
    refused(
      "services: {a: {provider: {type: model}}}\n",
      "services.a.provider: wharf runs no provider plugins",
    );
    refused("services: {a: {image: x}}\nmodels: {m: {model: ai/x}}\n", "models: wharf has no model runner");
  });
});

describe("more run keys: merge", () => {
  it("appends a later file's external_links, device_cgroup_rules and label_file (Compose's sequences)", () => {
    writeFileSync(
      join(dir, "compose.yaml"),
      "services: {a: {image: x, external_links: [e1], device_cgroup_rules: ['c 1:3 r'], label_file: a.l}}\n",
    );
    writeFileSync(
      join(dir, "b.yaml"),
      "services: {a: {external_links: [e2, e1], device_cgroup_rules: ['c 1:5 r'], label_file: [b.l]}}\n",
    );
    writeFileSync(join(dir, "a.l"), "one=1\nk=a\n");
    writeFileSync(join(dir, "b.l"), "k=b\n");
    const s = loadProject({ cwd: dir, env: {}, projectName: "p", files: ["compose.yaml", "b.yaml"] })
      .services[0];
    expect(s).toMatchObject({
      external_links: ["e1", "e2"],
      device_cgroup_rules: ["c 1:3 r", "c 1:5 r"],
      labels: { one: "1", k: "b" },
    });
  });
});

describe("lifecycle hooks", () => {
  it("reads post_start and pre_stop as Compose's hooks", () => {
    const s = svc(`services:
  a:
    image: x
    post_start:
      - command: [sh, -c, "echo up > /tmp/up"]
        user: root
        privileged: true
        working_dir: /tmp
        environment: {A: "1"}
      - command: touch /tmp/second
    pre_stop:
      - command: [sh, -c, "echo bye"]
        environment: [B=2]
`);
    expect(s.post_start).toEqual([
      {
        command: ["sh", "-c", "echo up > /tmp/up"],
        user: "root",
        privileged: true,
        working_dir: "/tmp",
        environment: { A: "1" },
      },
      { command: ["touch", "/tmp/second"] },
    ]);
    expect(s.pre_stop).toEqual([{ command: ["sh", "-c", "echo bye"], environment: { B: "2" } }]);
    expect(
      parse(projectYaml(load("services: {a: {image: x, pre_stop: [{command: ['true']}]}}\n"))).services.a
        .pre_stop,
    ).toEqual([{ command: ["true"] }]);
  });
  it("refuses malformed hooks in Compose's words", () => {
    refused(
      "services: {a: {image: x, post_start: {command: ls}}}\n",
      "services.a.post_start must be a array",
    );
    refused(
      "services: {a: {image: x, post_start: [{user: root}]}}\n",
      "services.a.post_start.0 missing property 'command'",
    );
    refused(
      "services: {a: {image: x, pre_stop: [{command: ls, when: now}]}}\n",
      "additional properties 'when' not allowed",
    );
  });
});

describe("more run keys: config hash", () => {
  it("changes with each of them", () => {
    const h = configHash(svc("services: {a: {image: x}}\n"));
    for (const extra of [
      "cpu_period: 100000",
      "cpu_quota: 5000",
      "cpu_rt_runtime: 1ms",
      "mem_swappiness: 0",
      "oom_kill_disable: true",
      "uts: host",
      "cgroup: host",
      "device_cgroup_rules: ['c 1:3 r']",
      "external_links: [x]",
      "blkio_config: {weight: 100}",
      "networks: {default: {link_local_ips: [169.254.1.1]}}",
    ])
      expect(configHash(svc(`services:\n  a:\n    image: x\n    ${extra}\n`)), extra).not.toBe(h);
    // The hooks run by the verbs do not make the container differently: no recreate.
    expect(configHash(svc("services: {a: {image: x, post_start: [{command: ['true']}]}}\n"))).toBe(h);
    const withFile = (text: string) =>
      configHash(svc("services: {a: {image: x, label_file: l}}\n", { l: text }));
    expect(withFile("a=1\n")).not.toBe(withFile("a=2\n"));
  });
});

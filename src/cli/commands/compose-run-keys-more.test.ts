import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadProject } from "../../compose/index.js";
import { serviceRunOptions } from "./compose-options.js";
import { serviceArgs } from "./compose-run-keys.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wharf-compose-run-keys-more-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const project = (yaml: string) => {
  writeFileSync(join(dir, "compose.yaml"), yaml);
  return loadProject({ cwd: dir, env: {}, projectName: "p" });
};
const options = (yaml: string, name = "a") => {
  const p = project(yaml);
  const s = p.services.find((x) => x.name === name);
  if (!s) throw new Error(name);
  return serviceRunOptions(p, s, `p-${name}-1`);
};

const YAML = `services:
  a:
    image: x
    cpu_period: 100ms
    cpu_quota: 50000
    cpu_rt_period: 1000000
    cpu_rt_runtime: 950ms
    mem_swappiness: 10
    oom_kill_disable: true
    uts: host
    cgroup: private
    device_cgroup_rules: ["c 1:3 mr"]
    external_links: ["other-db:db"]
    blkio_config:
      weight: 300
      weight_device: [{path: /dev/sda, weight: 400}]
      device_read_bps: [{path: /dev/sda, rate: 1mb}]
      device_write_bps: [{path: /dev/sda, rate: 2048}]
      device_read_iops: [{path: /dev/sda, rate: 120}]
      device_write_iops: [{path: /dev/sda, rate: 30}]
    networks:
      n: {link_local_ips: [169.254.8.8]}
      m:
networks: {n: {}, m: {}}
`;

describe("more service keys as wharf run's flags and options", () => {
  it("gives each key docker run's flag of the same meaning", () => {
    const p = project(YAML);
    const args = serviceArgs(p, p.services[0] as (typeof p.services)[number]).map((a) =>
      a.value === undefined ? `--${a.flag}` : `--${a.flag}=${a.value}`,
    );
    expect(args).toEqual([
      "--link=other-db:db",
      "--cpu-period=100000",
      "--cpu-quota=50000",
      "--cpu-rt-period=1000000",
      "--cpu-rt-runtime=950000",
      "--blkio-weight=300",
      "--blkio-weight-device=/dev/sda:400",
      `--device-read-bps=/dev/sda:${1024 ** 2}`,
      "--device-read-iops=/dev/sda:120",
      "--device-write-bps=/dev/sda:2048",
      "--device-write-iops=/dev/sda:30",
      "--device-cgroup-rule=c 1:3 mr",
      "--memory-swappiness=10",
      "--oom-kill-disable",
      "--uts=host",
      "--cgroupns=private",
    ]);
  });

  it("makes the RunOptions wharf run makes of them, link-local addresses on their network's endpoint", () => {
    const o = options(YAML);
    expect(o).toMatchObject({
      cpuPeriod: 100000,
      cpuQuota: 50000,
      cpuRtPeriod: 1000000,
      cpuRtRuntime: 950000,
      memorySwappiness: 10,
      oomKillDisable: true,
      utsMode: "host",
      cgroupnsMode: "private",
      deviceCgroupRules: ["c 1:3 mr"],
      links: ["other-db:db"],
      blkioWeight: 300,
      blkioWeightDevice: [{ path: "/dev/sda", weight: 400 }],
      blkioDeviceReadBps: [{ path: "/dev/sda", rate: 1024 ** 2 }],
      blkioDeviceWriteBps: [{ path: "/dev/sda", rate: 2048 }],
      blkioDeviceReadIOps: [{ path: "/dev/sda", rate: 120 }],
      blkioDeviceWriteIOps: [{ path: "/dev/sda", rate: 30 }],
    });
    expect(o.endpoints?.map((e) => [e.network, e.linkLocalIps])).toEqual([
      ["p_n", ["169.254.8.8"]],
      ["p_m", undefined],
    ]);
  });

  it("refuses values as docker run refuses its flags, naming the key", () => {
    expect(() => options("services: {a: {image: x, uts: private}}\n")).toThrow(
      "services.a.uts: --uts: invalid UTS mode",
    );
    expect(() => options("services: {a: {image: x, mem_swappiness: 200}}\n")).toThrow(
      "services.a.mem_swappiness: invalid value: 200. Valid memory swappiness range is 0-100",
    );
    expect(() =>
      options("services: {a: {image: x, blkio_config: {weight_device: [{path: sda, weight: 10}]}}}\n"),
    ).toThrow("services.a.blkio_config.weight_device: invalid argument");
    expect(() => options("services: {a: {image: x, uts: host, hostname: h}}\n")).toThrow(
      "conflicting options: hostname and the UTS mode",
    );
    expect(() =>
      options("services: {a: {image: x, networks: {n: {link_local_ips: [0.0.0.0]}}}}\nnetworks: {n: {}}\n"),
    ).toThrow("services.a.networks.n.link_local_ips: invalid link-local IP address: 0.0.0.0");
  });
});

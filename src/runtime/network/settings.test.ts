import { describe, expect, it } from "vitest";
import type { ContainerRecord } from "../types.js";
import {
  hostConfigNetwork,
  networkNames,
  networkSettings,
  portLines,
  portsMap,
  portsText,
} from "./settings.js";
import type { PortMapping } from "./types.js";

function rec(over: Partial<ContainerRecord> & { ports?: PortMapping[] } = {}): ContainerRecord {
  const { ports, ...rest } = over;
  return {
    id: "a".repeat(64),
    name: "web",
    image: "busybox",
    imageId: "sha256:x",
    created: "2024-01-01T00:00:00Z",
    imageConfig: { ExposedPorts: { "8080/tcp": {}, "9000/udp": {} } },
    options: {},
    path: "sh",
    args: [],
    env: [],
    rootfs: { path: "/x" },
    state: "running",
    pid: 1,
    exitCode: 0,
    error: "",
    startedAt: "2024-01-01T00:00:01Z",
    finishedAt: "0001-01-01T00:00:00Z",
    oomKilled: false,
    restartCount: 0,
    logPath: "/x.log",
    net: {
      sandboxKey: "/run/netns/wharf-a",
      endpoints: [
        {
          network: "bridge",
          networkId: "b".repeat(64),
          ifname: "eth0",
          ip: "172.17.0.2",
          prefixLen: 16,
          gateway: "172.17.0.1",
          mac: "02:42:ac:11:00:02",
          aliases: [],
        },
      ],
      ports: ports ?? [],
    },
    ...rest,
  };
}

const tcp = (containerPort: number, hostPort: number, hostIp = ""): PortMapping => ({
  containerPort,
  protocol: "tcp",
  hostIp,
  hostPort,
});

describe("network settings as Docker shows them", () => {
  it("PORTS: mappings, exposed ports, ranges grouped as Docker's DisplayablePorts", () => {
    expect(portsText(rec({ ports: [tcp(8080, 8080)] }))).toBe("0.0.0.0:8080->8080/tcp, 9000/udp");
    expect(portsText(rec({ ports: [tcp(8080, 32768, "127.0.0.1")] }))).toBe(
      "9000/udp, 127.0.0.1:32768->8080/tcp",
    );
    const range = rec({
      imageConfig: {},
      options: { expose: ["7000/tcp", "7001/tcp", "7003/tcp"] },
      ports: [tcp(80, 80), tcp(81, 81)],
    });
    // A group cut short is written at once; the open ones after, in the order they began (Docker's).
    expect(portsText(range)).toBe("7000-7001/tcp, 0.0.0.0:80-81->80-81/tcp, 7003/tcp");
    expect(portsText(rec({ state: "exited", ports: [tcp(8080, 8080)] }))).toBe("");
  });

  it("NetworkSettings.Ports and port's lines", () => {
    const r = rec({ ports: [tcp(8080, 8081), tcp(8080, 8082, "127.0.0.1")] });
    expect(portsMap(r)).toEqual({
      "8080/tcp": [
        { HostIp: "0.0.0.0", HostPort: "8081" },
        { HostIp: "127.0.0.1", HostPort: "8082" },
      ],
      "9000/udp": null,
    });
    expect(portLines(r).map((l) => `${l.key} -> ${l.host}`)).toEqual([
      "8080/tcp -> 0.0.0.0:8081",
      "8080/tcp -> 127.0.0.1:8082",
    ]);
    expect(portsMap(rec({ state: "exited" }))).toEqual({});
  });

  it("the IPv6 side of a port without host IP (ports6), as Docker 27+ shows it", () => {
    const r = rec({ ports: [tcp(8080, 8081), tcp(8080, 8082, "127.0.0.1"), tcp(9090, 9090)] });
    if (r.net) r.net.ports6 = true;
    expect(portsMap(r)["8080/tcp"]).toEqual([
      { HostIp: "0.0.0.0", HostPort: "8081" },
      { HostIp: "::", HostPort: "8081" },
      { HostIp: "127.0.0.1", HostPort: "8082" },
    ]);
    expect(portLines(r).map((l) => `${l.key} -> ${l.host}`)).toEqual([
      "8080/tcp -> 0.0.0.0:8081",
      "8080/tcp -> 127.0.0.1:8082",
      "8080/tcp -> [::]:8081",
      "9090/tcp -> 0.0.0.0:9090",
      "9090/tcp -> [::]:9090",
    ]);
    expect(portsText(r)).toBe(
      "9000/udp, 0.0.0.0:9090->9090/tcp, :::9090->9090/tcp, 0.0.0.0:8081->8080/tcp, 127.0.0.1:8082->8080/tcp, [::]:8081->8080/tcp",
    );
  });

  it("the default bridge's address at the top level and under Networks.bridge", () => {
    const s = networkSettings(rec()) as Record<string, unknown> & {
      Networks: Record<string, Record<string, unknown>>;
    };
    expect(s).toMatchObject({
      IPAddress: "172.17.0.2",
      IPPrefixLen: 16,
      Gateway: "172.17.0.1",
      MacAddress: "02:42:ac:11:00:02",
    });
    expect(s.SandboxKey).toBe("/run/netns/wharf-a");
    expect(s.Networks.bridge).toMatchObject({
      IPAddress: "172.17.0.2",
      NetworkID: "b".repeat(64),
      DNSNames: null,
    });
    expect(String(s.Networks.bridge?.EndpointID)).toMatch(/^[0-9a-f]{64}$/);
    const stopped = networkSettings(rec({ state: "exited" })) as Record<string, unknown> & {
      Networks: Record<string, Record<string, unknown>>;
    };
    expect(stopped).toMatchObject({ IPAddress: "", SandboxKey: "", Ports: {} });
    expect(stopped.Networks.bridge).toMatchObject({ IPAddress: "", EndpointID: "" });
  });

  it("a user network: no top-level address, DNSNames with name, aliases and short ID", () => {
    const r = rec({ options: { network: "mynet", endpoints: [{ network: "mynet", aliases: ["db"] }] } });
    const ep = r.net?.endpoints[0];
    if (ep) Object.assign(ep, { network: "mynet", networkId: "c".repeat(64) });
    const s = networkSettings(r) as Record<string, unknown> & {
      Networks: Record<string, Record<string, unknown>>;
    };
    expect(s.IPAddress).toBe("");
    expect(s.Networks.mynet).toMatchObject({
      Aliases: ["db"],
      DNSNames: ["web", "db", "aaaaaaaaaaaa"],
      IPAddress: "172.17.0.2",
    });
    expect(networkNames(r)).toBe("mynet");
  });

  it("--link-local-ip: IPAMConfig.LinkLocalIPs, beside --ip's IPv4Address; null without either", () => {
    const ll = rec({
      options: { endpoints: [{ network: "bridge", linkLocalIps: ["169.254.3.4", "fe80::9"] }] },
    });
    const s = networkSettings(ll) as { Networks: Record<string, Record<string, unknown>> };
    expect(s.Networks.bridge?.IPAMConfig).toEqual({ LinkLocalIPs: ["169.254.3.4", "fe80::9"] });
    const both = rec({
      options: { endpoints: [{ network: "bridge", ip: "172.17.0.9", linkLocalIps: ["169.254.3.4"] }] },
    });
    const t = networkSettings(both) as { Networks: Record<string, Record<string, unknown>> };
    expect(t.Networks.bridge?.IPAMConfig).toEqual({
      IPv4Address: "172.17.0.9",
      LinkLocalIPs: ["169.254.3.4"],
    });
    const none = networkSettings(rec()) as { Networks: Record<string, Record<string, unknown>> };
    expect(none.Networks.bridge?.IPAMConfig).toBeNull();
  });

  it("HostConfig: NetworkMode (bridge for the default), PortBindings as asked", () => {
    const r = rec({
      options: {
        publish: [{ containerPort: 80, protocol: "tcp", hostIp: "", hostPort: "8080" }],
        dns: ["1.1.1.1"],
      },
    });
    expect(hostConfigNetwork(r)).toMatchObject({
      NetworkMode: "bridge",
      PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }] },
      PublishAllPorts: false,
      Dns: ["1.1.1.1"],
      ExtraHosts: null,
    });
    expect(networkNames(rec({ options: { network: "none" } }))).toBe("none");
  });
});

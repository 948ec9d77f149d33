import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { proxyEntries, proxySocket, readProxyMap, updateProxyMap } from "./proxy.js";
import type { PortMapping } from "./types.js";

const m = (hostIp: string, hostPort: number, protocol: PortMapping["protocol"] = "tcp"): PortMapping => ({
  containerPort: 80,
  protocol,
  hostIp,
  hostPort,
});

describe("proxyEntries (Docker's binds of the IPv6 side)", () => {
  it("an IPv4-only network: no host IP, 0.0.0.0 and :: get [::]; an IPv6 address only itself; an IPv4 one none", () => {
    const got = proxyEntries(
      [
        m("", 8080),
        m("0.0.0.0", 8081, "udp"),
        m("::", 8082),
        m("::1", 8083),
        m("127.0.0.1", 8084),
        m("", 8085, "sctp"),
      ],
      "172.17.0.2",
      false,
    );
    expect(got).toEqual([
      { proto: "tcp", host: "::", port: 8080, to: "172.17.0.2", toPort: 80, explicit: false },
      { proto: "udp", host: "::", port: 8081, to: "172.17.0.2", toPort: 80, explicit: false },
      { proto: "tcp", host: "::", port: 8082, to: "172.17.0.2", toPort: 80, explicit: false },
      { proto: "tcp", host: "::1", port: 8083, to: "172.17.0.2", toPort: 80, explicit: true },
    ]);
  });

  it("a dual-stack network: [::1] only (its ip6tables DNAT answers the host's other IPv6 addresses)", () => {
    const got = proxyEntries(
      [m("", 8080), m("::1", 8081), m("fd00::1", 8082), m("127.0.0.1", 8083)],
      "10.0.0.2",
      true,
    );
    expect(got.map((e) => `${e.host} ${e.port}`)).toEqual(["::1 8080", "::1 8081"]);
  });
});

describe("the mapping file", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "wharf-proxy-map-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("sets and removes a container's entries; drops those of containers that are gone", async () => {
    const e = proxyEntries([m("", 8080)], "172.17.0.2", false);
    const alive = new Set(["a", "b"]);
    const live = (id: string) => alive.has(id);
    await updateProxyMap(root, "a", e, live);
    await updateProxyMap(root, "b", e, live);
    expect(Object.keys(readProxyMap(root)).sort()).toEqual(["a", "b"]);
    alive.delete("a");
    await updateProxyMap(root, "c", e, () => true);
    expect(Object.keys(readProxyMap(root)).sort()).toEqual(["a", "b", "c"]);
    await updateProxyMap(root, "b", undefined, live);
    expect(readProxyMap(root)).toEqual({});
  });

  it("keeps every change when many are made at once (the lock)", async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `c${i}`);
    await Promise.all(
      ids.map((id, i) =>
        updateProxyMap(root, id, proxyEntries([m("", 9000 + i)], "10.1.0.2", false), () => true),
      ),
    );
    expect(Object.keys(readProxyMap(root)).sort()).toEqual([...ids].sort());
  });

  it("names the relay's socket by the root, abstract (no file)", () => {
    expect(proxySocket(root).startsWith("\0wharf-proxy-")).toBe(true);
    expect(proxySocket(root)).toBe(proxySocket(`${root}/`));
    expect(proxySocket(root)).not.toBe(proxySocket(`${root}x`));
  });
});

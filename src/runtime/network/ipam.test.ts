import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { execPlugin, resultAddress } from "./cni.js";
import { releaseReservation, reservationText } from "./ipam.js";

const A = "a".repeat(64);
const B = "b".repeat(64);

describe("an address given back without host-local", () => {
  const data = mkdtempSync(join(tmpdir(), "wharf-ipam-"));
  afterAll(() => rmSync(data, { recursive: true, force: true }));
  const store = join(data, "testnet");

  // host-local itself (the CI machine has the plugins): the files this removes are the ones it writes.
  const add = async (id: string, ifname: string) => {
    const r = await execPlugin({
      command: "ADD",
      containerId: id,
      netns: "/proc/self/ns/net",
      ifname,
      name: "testnet",
      plugin: "host-local",
      config: {
        type: "bridge",
        ipam: { type: "host-local", ranges: [[{ subnet: "10.251.0.0/24" }]], dataDir: data },
      },
    });
    return resultAddress(r, ifname)?.ip ?? "";
  };

  it("removes the file host-local wrote for the container's interface, and nothing else", async () => {
    const a = await add(A, "eth0");
    const b = await add(B, "eth0");
    expect(a).toMatch(/^10\.251\.0\.\d+$/);
    expect(readdirSync(store)).toEqual(expect.arrayContaining([a, b]));
    // Another container's address, another interface, a name that is no address: left alone.
    expect(releaseReservation(store, b, A, "eth0")).toBe(false);
    expect(releaseReservation(store, a, A, "eth1")).toBe(false);
    expect(releaseReservation(store, "../testnet/lock", A, "eth0")).toBe(false);
    expect(existsSync(join(store, a))).toBe(true);
    expect(releaseReservation(store, a, A, "eth0")).toBe(true);
    expect(existsSync(join(store, a))).toBe(false);
    expect(existsSync(join(store, b))).toBe(true);
    // Gone already: false, for the caller to run host-local's DEL, which finds nothing either.
    expect(releaseReservation(store, a, A, "eth0")).toBe(false);
    // The address is host-local's to hand out again: asked for by CNI_ARGS, it is given.
    const again = await execPlugin({
      command: "ADD",
      containerId: A,
      netns: "/proc/self/ns/net",
      ifname: "eth0",
      name: "testnet",
      plugin: "host-local",
      args: { IP: a },
      config: {
        type: "bridge",
        ipam: { type: "host-local", ranges: [[{ subnet: "10.251.0.0/24" }]], dataDir: data },
      },
    });
    expect(resultAddress(again, "eth0")?.ip).toBe(a);
  });

  it("reads the text as host-local's DEL does (trimmed)", () => {
    writeFileSync(join(store, "10.251.0.200"), `${reservationText(B, "eth1")}\n`);
    expect(releaseReservation(store, "10.251.0.200", B, "eth1")).toBe(true);
    expect(existsSync(join(store, "10.251.0.200"))).toBe(false);
  });
});

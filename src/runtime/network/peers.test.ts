import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { netnsName } from "./layout.js";
import { joinPeers, leavePeers, type Member } from "./peers.js";

/** Container IDs whose namespaces exist (a member is live while its namespace is). */
const ids = ["a", "b", "c", "d"].map((c) => `${c.repeat(12)}${"0".repeat(52)}`);

describe("names on user networks through /etc/hosts", () => {
  const root = mkdtempSync(join(tmpdir(), "wharf-peers-"));
  const ctx = { root };
  const [n1, n2] = ["1".repeat(64), "2".repeat(64)];
  for (const n of [n1, n2]) mkdirSync(join(root, "networks", n), { recursive: true });
  for (const id of ids) execFileSync("ip", ["netns", "add", netnsName(id)]);
  afterAll(() => {
    for (const id of ids) execFileSync("ip", ["netns", "delete", netnsName(id)], { stdio: "ignore" });
    rmSync(root, { recursive: true, force: true });
  });

  function member(id: string, ip: string, names: string[], networks: string[]): Member {
    const hostsPath = join(root, `${id.slice(0, 1)}.hosts`);
    const base = `127.0.0.1\tlocalhost\n${ip}\t${id.slice(0, 12)}\n`;
    writeFileSync(hostsPath, base);
    return { ip, names, base, hostsPath, networks };
  }
  const hostsOf = (id: string) => readFileSync(join(root, `${id.slice(0, 1)}.hosts`), "utf8");

  it("lists each member's peers, rewriting the others' files in place as members come and go", async () => {
    const [a = "", b = "", c = ""] = ids;
    const ma = member(a, "10.1.0.2", ["web", "www", a.slice(0, 12)], [n1]);
    writeFileSync(ma.hostsPath, await joinPeers(ctx, a, ma));
    expect(hostsOf(a)).toBe(ma.base);
    const inode = statSync(ma.hostsPath).ino;
    const mb = member(b, "10.1.0.3", ["db", b.slice(0, 12)], [n1]);
    expect(await joinPeers(ctx, b, mb)).toBe(`${mb.base}10.1.0.2\tweb www ${a.slice(0, 12)}\n`);
    expect(hostsOf(a)).toBe(`${ma.base}10.1.0.3\tdb ${b.slice(0, 12)}\n`);
    expect(statSync(ma.hostsPath).ino).toBe(inode);
    // c is on the other network only: neither a nor b sees it.
    const mc = member(c, "10.2.0.2", ["other"], [n2]);
    expect(await joinPeers(ctx, c, mc)).toBe(mc.base);
    expect(hostsOf(a)).not.toContain("other");
    await leavePeers(ctx, b, [n1]);
    expect(hostsOf(a)).toBe(ma.base);
  });

  it("joins a member on two networks to the peers of both, and drops members whose namespace is gone", async () => {
    const [a = "", , c = "", d = ""] = ids;
    const md = member(d, "10.1.0.9", ["both"], [n1, n2]);
    const own = await joinPeers(ctx, d, md);
    expect(own).toContain("10.1.0.2\tweb");
    expect(own).toContain("10.2.0.2\tother");
    expect(hostsOf(a)).toContain("10.1.0.9\tboth\n");
    expect(hostsOf(c)).toContain("10.1.0.9\tboth\n");
    // a's namespace goes (its container ended unseen): the next change on its network drops it.
    execFileSync("ip", ["netns", "delete", netnsName(a)]);
    const again = await joinPeers(ctx, d, md);
    execFileSync("ip", ["netns", "add", netnsName(a)]);
    const peers = JSON.parse(readFileSync(join(root, "networks", n1, "peers.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(Object.keys(peers)).toEqual([d]);
    expect(again).toBe(`${md.base}10.2.0.2\tother\n`);
    await leavePeers(ctx, c, [n2]);
    expect(hostsOf(d)).toBe(md.base);
  });

  it("keeps each network's address and names in its own file (aliases are per network), and --dns", async () => {
    const [, b = "", c = "", d = ""] = ids;
    const mb = member(b, "10.1.0.3", ["db", b.slice(0, 12)], [n1]);
    await joinPeers(ctx, b, mb);
    const mc = member(c, "10.2.0.2", ["other"], [n2]);
    await joinPeers(ctx, c, mc);
    const md = { ...member(d, "10.1.0.9", ["both", "fa", "ba"], [n1, n2]), dns: ["10.9.9.9"] };
    await joinPeers(ctx, d, md, {
      [n1]: { ip: "10.1.0.9", names: ["both", "fa"] },
      [n2]: { ip: "10.2.0.9", ip6: "fd00::9", names: ["both", "ba"] },
    });
    const read = (n: string) =>
      JSON.parse(readFileSync(join(root, "networks", n, "peers.json"), "utf8")) as Record<string, Member>;
    expect(read(n1)[d]).toMatchObject({ ip: "10.1.0.9", names: ["both", "fa"], dns: ["10.9.9.9"] });
    expect(read(n1)[d]?.ip6).toBeUndefined();
    expect(read(n2)[d]).toMatchObject({ ip: "10.2.0.9", ip6: "fd00::9", names: ["both", "ba"] });
    // Each peer's /etc/hosts has d's address on their shared network.
    expect(hostsOf(b)).toContain("10.1.0.9\tboth fa\n");
    expect(hostsOf(c)).toContain("10.2.0.9\tboth ba\nfd00::9\tboth ba\n");
    expect(hostsOf(c)).not.toContain("10.1.0.9");
    await leavePeers(ctx, d, [n1, n2]);
    await leavePeers(ctx, b, [n1]);
    await leavePeers(ctx, c, [n2]);
  });
});

import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { PluginCall } from "./cni.js";
import { netnsName, netnsPath } from "./layout.js";
import { createNetns, deleteNetns } from "./netns.js";

// The namespace, the gate's FIFO, `lo` and the first bridge ADD in one child (as root: a namespace).
describe.runIf(process.getuid?.() === 0)("a container's namespace and its first ADD", () => {
  const dir = mkdtempSync(join(tmpdir(), "wharf-netns-"));
  const saved = process.env.CNI_PATH;
  process.env.CNI_PATH = dir;
  const ids: string[] = [];
  afterAll(async () => {
    for (const id of ids) await deleteNetns(id);
    if (saved === undefined) delete process.env.CNI_PATH;
    else process.env.CNI_PATH = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (id: string, type: string): PluginCall => ({
    command: "ADD",
    containerId: id,
    netns: netnsPath(id),
    ifname: "eth0",
    name: "testnet",
    config: { type },
  });
  const newId = () => {
    const id = `${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`.padEnd(64, "0");
    ids.push(id);
    return id;
  };

  it("makes the namespace and the FIFO, raises lo, and runs the plugin with the CNI variables", async () => {
    // The plugin: its environment and stdin in its result, and what it sees of the namespace.
    writeFileSync(
      join(dir, "fake-bridge"),
      `#!/bin/sh\nconf=$(cat)\nprintf '{"cniVersion":"1.0.0","env":"%s %s %s %s %s","conf":%s}' "$CNI_COMMAND" "$CNI_IFNAME" "$CNI_NETNS" "$GOMAXPROCS" "$(test -e "$CNI_NETNS" && echo ns)" "$conf"\n`,
    );
    chmodSync(join(dir, "fake-bridge"), 0o755);
    const id = newId();
    const fifo = join(dir, `${id}.gate`);
    const made = await createNetns(id, fifo, call(id, "fake-bridge"));
    expect(made.fifo).toBe(true);
    expect(statSync(fifo).isFIFO()).toBe(true);
    const r = (await made.added) as { env: string; conf: Record<string, unknown> };
    expect(r.env).toBe(`ADD eth0 ${netnsPath(id)} 1 ns`);
    expect(r.conf).toEqual({ cniVersion: "1.0.0", name: "testnet", type: "fake-bridge" });
    const lo = execFileSync("ip", ["-n", netnsName(id), "link", "show", "lo"], { encoding: "utf8" });
    expect(lo).toMatch(/<LOOPBACK,UP,LOWER_UP>/);
    // The host's interfaces are not in it.
    const links = execFileSync("ip", ["-n", netnsName(id), "-o", "link"], { encoding: "utf8" });
    expect(links.trim().split("\n")).toHaveLength(1);
    await deleteNetns(id);
    expect(existsSync(netnsPath(id))).toBe(false);
  });

  it("fails with the plugin's own error, the namespace made all the same (the caller releases it)", async () => {
    writeFileSync(
      join(dir, "bad-bridge"),
      `#!/bin/sh\ncat >/dev/null\necho '{"code":11,"msg":"no luck","details":"on this bridge"}'\nexit 1\n`,
    );
    chmodSync(join(dir, "bad-bridge"), 0o755);
    const id = newId();
    const made = await createNetns(id, undefined, call(id, "bad-bridge"));
    expect(made.fifo).toBe(false);
    await expect(made.added).rejects.toThrow(/CNI plugin bad-bridge ADD: no luck: on this bridge/);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).toContain(netnsPath(id));
  });
});

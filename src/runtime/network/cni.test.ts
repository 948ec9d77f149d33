import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { execPlugin, pluginDirs, resultAddress } from "./cni.js";

describe("CNI plugin execution", () => {
  const dir = mkdtempSync(join(tmpdir(), "wharf-cni-"));
  const saved = process.env.CNI_PATH;
  process.env.CNI_PATH = dir;
  afterAll(() => {
    if (saved === undefined) delete process.env.CNI_PATH;
    else process.env.CNI_PATH = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  function plugin(name: string, body: string): void {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }

  it("passes the operation in CNI_* variables and the configuration on stdin; reads the result", async () => {
    plugin(
      "echoer",
      'conf=$(cat)\nprintf \'{"cniVersion":"1.0.0","env":"%s %s %s %s %s","conf":%s}\' "$CNI_COMMAND" "$CNI_CONTAINERID" "$CNI_NETNS" "$CNI_IFNAME" "$CNI_ARGS" "$conf"',
    );
    const r = (await execPlugin({
      command: "ADD",
      containerId: "abc",
      netns: "/run/netns/x",
      ifname: "eth0",
      name: "mynet",
      args: { IP: "10.0.0.5" },
      config: { type: "echoer", bridge: "br0" },
    })) as { env: string; conf: Record<string, unknown> };
    expect(r.env).toBe("ADD abc /run/netns/x eth0 IgnoreUnknown=1;IP=10.0.0.5");
    expect(r.conf).toEqual({ cniVersion: "1.0.0", name: "mynet", type: "echoer", bridge: "br0" });
    expect(pluginDirs()).toEqual([dir]);
  });

  it("turns the spec's error object into a wharf error with the plugin's words; DEL has no result", async () => {
    plugin(
      "failer",
      'cat >/dev/null\necho \'{"cniVersion":"1.0.0","code":11,"msg":"no room","details":"range full"}\'\nexit 1',
    );
    await expect(
      execPlugin({
        command: "ADD",
        containerId: "a",
        netns: "",
        ifname: "eth0",
        name: "n",
        config: { type: "failer" },
      }),
    ).rejects.toMatchObject({
      code: "runtime",
      message: "network setup failed: CNI plugin failer ADD: no room: range full",
    });
    plugin("quiet", "cat >/dev/null");
    expect(
      await execPlugin({
        command: "DEL",
        containerId: "a",
        netns: "",
        ifname: "eth0",
        name: "n",
        config: { type: "quiet" },
      }),
    ).toBeUndefined();
    await expect(
      execPlugin({
        command: "ADD",
        containerId: "a",
        netns: "",
        ifname: "eth0",
        name: "n",
        config: { type: "nosuch" },
      }),
    ).rejects.toMatchObject({ message: expect.stringContaining('the CNI plugin "nosuch" was not found') });
  });

  it("finds the container's IPv4 address, prefix, gateway and MAC in a bridge result", () => {
    const result = {
      interfaces: [
        { name: "br0" },
        { name: "veth1" },
        { name: "eth0", mac: "aa:bb:cc:dd:ee:ff", sandbox: "/x" },
      ],
      ips: [
        { interface: 2, address: "fd00::5/64" },
        { interface: 2, address: "172.17.0.5/16", gateway: "172.17.0.1" },
      ],
    };
    expect(resultAddress(result, "eth0")).toEqual({
      ip: "172.17.0.5",
      prefixLen: 16,
      gateway: "172.17.0.1",
      mac: "aa:bb:cc:dd:ee:ff",
    });
    expect(resultAddress(result, "eth1")).toBeUndefined();
  });
});

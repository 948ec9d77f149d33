/**
 * A container's network namespace: a file under /run/netns, made before runc starts (runc joins
 * it: the spec names its path) and deleted when the container has ended (the kernel then removes
 * its interfaces, and the veth's host end with them). It is made by util-linux `unshare
 * --net=FILE` running `ip link set lo up` inside it: one process makes it and raises `lo` (what the
 * CNI loopback plugin would do in a second one). Until /run/netns is the mount point `ip netns`
 * makes of it (shared, so that a deletion reaches every mount namespace), the first is made by
 * `ip netns add`.
 */
import { existsSync, writeFileSync } from "node:fs";
import { readTextOr } from "../../files/index.js";
import { NETNS_DIR, netnsName, netnsPath } from "./layout.js";
import { mustRun, runTool, toolPath } from "./tool.js";

let dirReady = false;

function netnsDirMounted(): boolean {
  dirReady ||= readTextOr("/proc/self/mountinfo")
    .split("\n")
    .some((l) => l.split(" ")[4] === NETNS_DIR);
  return dirReady;
}

const FAILED = "cannot create the container's network namespace";

/** Makes the container's namespace with `lo` up (a leftover of an earlier start is replaced). */
export async function createNetns(containerId: string): Promise<string> {
  const path = netnsPath(containerId);
  if (existsSync(path)) await deleteNetns(containerId);
  if (netnsDirMounted()) {
    writeFileSync(path, "", { mode: 0o444 });
    const r = await runTool(
      toolPath("unshare"),
      [`--net=${path}`, toolPath("ip"), "link", "set", "lo", "up"],
      undefined,
      { stdout: false },
    );
    if (r.code === 0) return path;
    await deleteNetns(containerId);
  }
  const name = netnsName(containerId);
  await mustRun(FAILED, toolPath("ip"), ["netns", "add", name]);
  await mustRun(FAILED, toolPath("ip"), ["-n", name, "link", "set", "lo", "up"]);
  return path;
}

/** Deletes the container's namespace file, if any. */
export async function deleteNetns(containerId: string): Promise<void> {
  if (!existsSync(netnsPath(containerId))) return;
  const r = await runTool(toolPath("ip"), ["netns", "delete", netnsName(containerId)], undefined, {
    stdout: false,
  });
  if (r.code !== 0 && existsSync(netnsPath(containerId))) {
    await mustRun("cannot delete the container's network namespace", toolPath("ip"), [
      "netns",
      "delete",
      netnsName(containerId),
    ]);
  }
}

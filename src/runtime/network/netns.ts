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

/**
 * Makes the container's namespace (a leftover of an earlier start is replaced). With `fifo`, the
 * process that makes it makes that FIFO (gate.ts) rather than raise `lo`, which the spec's hook
 * does then while runc waits anyway; `lo` is up when the FIFO is not made.
 */
export async function createNetns(
  containerId: string,
  fifo?: string,
): Promise<{ path: string; fifo: boolean }> {
  const path = netnsPath(containerId);
  if (existsSync(path)) await deleteNetns(containerId);
  if (netnsDirMounted()) {
    writeFileSync(path, "", { mode: 0o444 });
    const inside = fifo
      ? [toolPath("mkfifo"), "-m", "0600", fifo]
      : [toolPath("ip"), "link", "set", "lo", "up"];
    const r = await runTool(toolPath("unshare"), [`--net=${path}`, ...inside], undefined, { stdout: false });
    if (r.code === 0) return { path, fifo: fifo !== undefined };
    await deleteNetns(containerId);
  }
  const name = netnsName(containerId);
  await mustRun(FAILED, toolPath("ip"), ["netns", "add", name]);
  await loUp(containerId);
  return { path, fifo: false };
}

/** `lo` up in the container's namespace. */
export async function loUp(containerId: string): Promise<void> {
  await mustRun(FAILED, toolPath("ip"), ["-n", netnsName(containerId), "link", "set", "lo", "up"]);
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

/**
 * A container's network namespace: a file under /run/netns made by `ip netns add` before runc
 * starts (runc joins it: the spec names its path), deleted by `ip netns delete` when the container
 * has ended (the kernel then removes its interfaces, and the veth's host end with them).
 */
import { existsSync } from "node:fs";
import { netnsName, netnsPath } from "./layout.js";
import { mustRun, runTool } from "./tool.js";

/** Makes the container's namespace (a leftover of an earlier start, cut short, is replaced). */
export async function createNetns(containerId: string): Promise<string> {
  const name = netnsName(containerId);
  const r = await runTool("ip", ["netns", "add", name]);
  if (r.code !== 0) {
    if (!existsSync(netnsPath(containerId))) {
      await mustRun("cannot create the container's network namespace", "ip", ["netns", "add", name]);
    } else {
      await deleteNetns(containerId);
      await mustRun("cannot create the container's network namespace", "ip", ["netns", "add", name]);
    }
  }
  return netnsPath(containerId);
}

/** Deletes the container's namespace file, if any. */
export async function deleteNetns(containerId: string): Promise<void> {
  if (!existsSync(netnsPath(containerId))) return;
  const r = await runTool("ip", ["netns", "delete", netnsName(containerId)]);
  if (r.code !== 0 && existsSync(netnsPath(containerId))) {
    await mustRun("cannot delete the container's network namespace", "ip", [
      "netns",
      "delete",
      netnsName(containerId),
    ]);
  }
}

/**
 * A container's network namespace: a file under /run/netns, made before runc starts (runc joins
 * it: the spec names its path) and deleted when the container has ended (the kernel then removes
 * its interfaces, and the veth's host end with them). It is made by util-linux `unshare
 * --net=FILE` (running `mkfifo` inside it for the gate) in a shell that then runs the first bridge
 * ADD and raises `lo` (the CNI loopback plugin's job) at once. Until /run/netns is the mount point
 * `ip netns` makes of it (shared, so that a deletion reaches every mount namespace), the first is
 * made by `ip netns add`.
 */
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import type { Readable } from "node:stream";
import { readTextOr } from "../../files/index.js";
import { type PluginCall, pluginEnv, pluginOutcome, pluginPath } from "./cni.js";
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
 * The child that makes the namespace and then runs the first bridge ADD into it (one process
 * started from Node rather than two: each spawn holds Node's event loop ~2-3 ms, before runc's),
 * raising `lo` meanwhile. A line on fd 3 says the namespace (and the FIFO) exist, so that runc
 * starts while the plugin runs; the plugin reads its configuration on the shell's stdin and writes
 * its result on its stdout. $1 the namespace file, $2 the FIFO ("": none), $3 the namespace's
 * name, $4 the plugin, $5-$8 unshare, mkfifo, ip, true. Status 97: no namespace was made.
 */
const MAKE_AND_ADD = [
  'if [ -n "$2" ]; then "$5" --net="$1" "$6" -m 0600 "$2"; else "$5" --net="$1" "$8"; fi || exit 97',
  "echo >&3",
  "exec 3>&-",
  '"$7" -n "$3" link set lo up >&2 &',
  "lo=$!",
  '"$4"',
  "r=$?",
  'wait "$lo" || { [ "$r" = 0 ] && r=98; }',
  'exit "$r"',
].join("\n");

/**
 * Makes the container's namespace (a leftover of an earlier start is replaced) and runs the first
 * bridge ADD, `add`, into it: in the process that makes the namespace (with `fifo`, that FIFO
 * too: gate.ts), whose result is `added` (then `lo` is up once it resolves); where /run/netns is
 * not yet `ip netns`'s mount, or that process cannot make the namespace, by `ip netns add` with
 * `lo` raised and no FIFO and no `added` (the caller runs the plugin).
 */
export async function createNetns(
  containerId: string,
  fifo: string | undefined,
  add: PluginCall,
): Promise<{ path: string; fifo: boolean; added?: Promise<unknown> }> {
  const path = netnsPath(containerId);
  if (existsSync(path)) await deleteNetns(containerId);
  if (netnsDirMounted()) {
    writeFileSync(path, "", { mode: 0o444 });
    const { made, added } = makeAndAdd(path, fifo, add);
    added.catch(() => undefined);
    if (
      await made.then(
        () => true,
        () => false,
      )
    )
      return { path, fifo: fifo !== undefined, added };
    await added.catch(() => undefined);
    await deleteNetns(containerId);
  }
  const name = netnsName(containerId);
  await mustRun(FAILED, toolPath("ip"), ["netns", "add", name]);
  await loUp(containerId);
  return { path, fifo: false };
}

function makeAndAdd(path: string, fifo: string | undefined, call: PluginCall) {
  const bin = pluginPath(call.config.type);
  const tools = ["unshare", "mkfifo", "ip", "true"].map(toolPath);
  const args = ["-c", MAKE_AND_ADD, "sh", path, fifo ?? "", netnsName(call.containerId), bin, ...tools];
  const child = spawn(toolPath("sh"), args, {
    env: pluginEnv(call),
    stdio: ["pipe", "pipe", "pipe", "pipe"],
  });
  const made = new Promise<void>((resolve, reject) => {
    const line = child.stdio[3] as Readable;
    line.once("data", () => resolve());
    line.once("close", () => reject(new Error(FAILED)));
    child.once("error", reject);
  });
  return { made, added: pluginOutcome(child, call, bin) };
}

/** `lo` up in the container's namespace. */
async function loUp(containerId: string): Promise<void> {
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

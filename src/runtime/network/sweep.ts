/**
 * Addresses whose container is gone: host-local keeps one file per address naming its container;
 * a container's namespace file exists from before its address is taken until its release begins,
 * so an address whose container has no namespace was left by a crash or a reboot.
 */
import { existsSync, readdirSync } from "node:fs";
import { readTextOr } from "../../files/index.js";
import type { RuntimeContext } from "../types.js";
import { ipamDir, netnsPath } from "./layout.js";
import { releaseAddress } from "./plugins.js";
import type { NetworkRecord } from "./store.js";

/** Releases the addresses left by containers that are gone (no namespace): a crash, a reboot. */
export async function sweepAddresses(ctx: RuntimeContext, net: NetworkRecord): Promise<number> {
  const dir = `${ipamDir(ctx, net.Id)}/${net.Name}`;
  if (!existsSync(dir)) return 0;
  let swept = 0;
  for (const f of readdirSync(dir)) {
    // An address's file: IPv4, or IPv6 on a dual-stack network (host-local's other files have no ':').
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(f) && !/^[0-9a-f:]+:[0-9a-f:]*$/.test(f)) continue;
    const text = readTextOr(`${dir}/${f}`);
    const [id = "", ifname = "eth0"] = text.split(/\r?\n/);
    if (!/^[0-9a-f]{64}$/.test(id) || existsSync(netnsPath(id))) continue;
    await releaseAddress(ctx, net, id, ifname);
    swept++;
  }
  return swept;
}

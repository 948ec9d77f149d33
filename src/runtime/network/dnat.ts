/**
 * A container's published ports, the rules the CNI `portmap` plugin makes (with `snat: false`),
 * written by one `iptables-restore --noflush` instead of the plugin's ten iptables runs (its
 * `--version`, two listings, a check per rule, then each rule alone): a chain `CNI-DN-<21 hex of
 * sha512(network name + container ID)>` of DNAT rules, jumped to from `CNI-HOSTPORT-DNAT` once
 * per protocol with portmap's comment. The rules are exactly the plugin's, so the plugin's DEL (on
 * every end, and for a stale reservation: ports.ts) removes them as it removes its own.
 *
 * The batch also deletes and appends again the jumps from PREROUTING and OUTPUT to
 * `CNI-HOSTPORT-DNAT`: in a batch a missing rule or chain fails it all (nothing is changed), and
 * then the plugin's ADD runs as before, which makes the chains and jumps that were missing. So the
 * first container with published ports on a host, or after the rules were flushed, takes the
 * plugin's way; the next ones take one process.
 */
import { execPlugin } from "./cni.js";
import { portmapConfig } from "./plugins.js";
import { runTool } from "./tool.js";
import type { PortMapping } from "./types.js";

const ENTRY = "CNI-HOSTPORT-DNAT";
/** iptables' multiport match takes at most 15 ports. */
const MULTIPORT_MAX = 15;

/**
 * portmap's chain of a container's DNAT rules (its `MustFormatChainNameWithPrefix`, "DN-").
 * node:crypto is loaded here only: a run without published ports does without it.
 */
export async function dnatChain(network: string, containerId: string): Promise<string> {
  const { createHash } = await import("node:crypto");
  const hash = createHash("sha512")
    .update(network + containerId)
    .digest("hex");
  return `CNI-DN-${hash.slice(0, 28 - "CNI-".length - "DN-".length)}`;
}

/** The `iptables-restore --noflush` input that makes the container's rules, as portmap makes them. */
export function dnatBatch(
  chain: string,
  network: string,
  containerId: string,
  containerIp: string,
  mappings: readonly PortMapping[],
): string {
  const lines = ["*nat", `:${chain} - [0:0]`];
  // The jumps into the entry chain: deleted (fails the batch when missing) and appended again.
  for (const hook of ["PREROUTING", "OUTPUT"]) {
    const rule = `${hook} -m addrtype --dst-type LOCAL -j ${ENTRY}`;
    lines.push(`-D ${rule}`, `-A ${rule}`);
  }
  for (const m of mappings) {
    const dst = m.hostIp && m.hostIp !== "0.0.0.0" ? ` -d ${m.hostIp}/32` : "";
    lines.push(
      `-A ${chain}${dst} -p ${m.protocol} -m ${m.protocol} --dport ${m.hostPort} -j DNAT --to-destination ${containerIp}:${m.containerPort}`,
    );
  }
  const comment = `"dnat name: \\"${network}\\" id: \\"${containerId}\\""`;
  for (const protocol of [...new Set(mappings.map((m) => m.protocol))]) {
    const ports = [...new Set(mappings.filter((m) => m.protocol === protocol).map((m) => m.hostPort))];
    for (let i = 0; i < ports.length; i += MULTIPORT_MAX) {
      const list = ports.slice(i, i + MULTIPORT_MAX).join(",");
      lines.push(
        `-A ${ENTRY} -p ${protocol} -m comment --comment ${comment} -m multiport --dports ${list} -j ${chain}`,
      );
    }
  }
  lines.push("COMMIT", "");
  return lines.join("\n");
}

/**
 * Maps the container's published ports to `containerIp` (on `eth0` of `network`): one
 * iptables-restore, or the portmap plugin's ADD when the batch cannot apply (see above) or a
 * mapping is one the batch does not write (UDP, SCTP, IPv6).
 */
export async function mapPorts(o: {
  network: string;
  containerId: string;
  netns: string;
  containerIp: string | undefined;
  /** The container's IPv6 address (a dual-stack network): the plugin maps both families then. */
  containerIp6?: string | undefined;
  mappings: readonly PortMapping[];
  prevResult: unknown;
}): Promise<void> {
  // UDP is left to the plugin, which also clears the stale conntrack entries of its host ports;
  // so is IPv6 (its ip6tables rules beside the iptables ones, from the addresses in prevResult).
  const simple =
    o.containerIp !== undefined &&
    o.containerIp6 === undefined &&
    o.mappings.every((m) => m.protocol === "tcp" && !m.hostIp.includes(":"));
  if (simple && o.containerIp !== undefined) {
    const chain = await dnatChain(o.network, o.containerId);
    const batch = dnatBatch(chain, o.network, o.containerId, o.containerIp, o.mappings);
    const r = await runTool("iptables-restore", ["--noflush"], batch, { stdout: false }).catch(
      () => undefined,
    );
    if (r?.code === 0) return;
  }
  await execPlugin({
    command: "ADD",
    containerId: o.containerId,
    netns: o.netns,
    ifname: "eth0",
    name: o.network,
    config: portmapConfig([...o.mappings], o.prevResult),
  });
}

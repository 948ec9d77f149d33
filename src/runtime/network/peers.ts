/**
 * Name resolution on user-defined networks, without a DNS server: each running container's
 * /etc/hosts lists the other containers of its user networks (name, aliases, short ID), and is
 * rewritten in place (the file is bind-mounted, so the container sees the change) when one joins
 * or leaves. `<root>/networks/<id>/peers.json` holds each network's members; one lock serializes
 * every rewrite. A member whose network namespace is gone (it ended unseen, or the host rebooted)
 * is dropped at the next change.
 */
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { withLock, writeFileAtomicSync } from "../../files/index.js";
import type { RuntimeContext } from "../types.js";
import { netnsPath, networkDir, networksDir, peersLockPath, peersPath } from "./layout.js";

export interface Member {
  /** Its address on this network (each network's file has the member's own). */
  ip: string;
  /** Its IPv6 address on a dual-stack network: a second line with the same names. */
  ip6?: string;
  /** The names it answers to on this network: its name, its aliases there, its short ID. */
  names: string[];
  /** `--dns`: the servers the network's DNS server forwards its other questions to (dns-server.ts). */
  dns?: string[];
  /** Its /etc/hosts without peers (Docker's content). */
  base: string;
  hostsPath: string;
  /** The IDs of every user network it is on (its peers are theirs). */
  networks: string[];
  /**
   * Its `--link NAME[:ALIAS]`s on this network (`run --link` on its first, `network connect
   * --link`): ALIAS (lower case) to NAME, names the DNS server answers for this member alone.
   */
  links?: Record<string, string>;
}

type Peers = Record<string, Member>;

function readPeers(ctx: RuntimeContext, netId: string): Peers {
  try {
    return JSON.parse(readFileSync(peersPath(ctx, netId), "utf8")) as Peers;
  } catch {
    return {};
  }
}

function live(id: string): boolean {
  return existsSync(netnsPath(id));
}

/** Rewrites a file in place (same inode: a bind mount of it shows the new text); never creates one. */
function rewriteInPlace(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(path, "r+");
  } catch {
    return;
  }
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, text, 0);
  } finally {
    closeSync(fd);
  }
}

/** A member's /etc/hosts: its own content, then one line per peer on any of its networks. */
function hostsOf(id: string, m: Member, load: (netId: string) => Peers): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const netId of m.networks) {
    for (const [pid, p] of Object.entries(load(netId))) {
      if (pid === id || seen.has(`${pid} ${p.ip}`)) continue;
      seen.add(`${pid} ${p.ip}`);
      lines.push(`${p.ip}\t${p.names.join(" ")}`);
      if (p.ip6) lines.push(`${p.ip6}\t${p.names.join(" ")}`);
    }
  }
  return m.base + lines.map((l) => `${l}\n`).join("");
}

/**
 * Changes the members of `netIds` (`change` adds or removes `id`), then rewrites the hosts files of
 * every member of those networks. Returns `id`'s own hosts content when it is a member.
 */
async function update(
  ctx: RuntimeContext,
  id: string,
  netIds: string[],
  change: (peers: Peers, netId: string) => void,
): Promise<string | undefined> {
  mkdirSync(networksDir(ctx), { recursive: true, mode: 0o700 });
  return withLock(peersLockPath(ctx), async () => {
    const cache = new Map<string, Peers>();
    const load = (netId: string): Peers => {
      let p = cache.get(netId);
      if (!p) {
        p = readPeers(ctx, netId);
        cache.set(netId, p);
      }
      return p;
    };
    const touched = new Set<string>();
    for (const netId of netIds) {
      if (!existsSync(networkDir(ctx, netId))) continue;
      const peers = load(netId);
      for (const pid of Object.keys(peers)) if (pid !== id && !live(pid)) delete peers[pid];
      change(peers, netId);
      writeFileAtomicSync(peersPath(ctx, netId), JSON.stringify(peers), { mode: 0o600, flush: false });
      for (const pid of Object.keys(peers)) touched.add(pid);
    }
    let own: string | undefined;
    for (const pid of touched) {
      const m = netIds.map((n) => load(n)[pid]).find((x) => x !== undefined);
      if (!m) continue;
      const text = hostsOf(pid, m, load);
      if (pid === id) own = text;
      else rewriteInPlace(m.hostsPath, text);
    }
    return own;
  });
}

/** What differs from network to network: the address and the names (aliases are per network). */
export type OnNetwork = Pick<Member, "ip" | "ip6" | "names" | "links">;

/**
 * Adds the container to its user networks' members (with `on[netId]`, its address and names on
 * that network); returns its /etc/hosts with its peers.
 */
export async function joinPeers(
  ctx: RuntimeContext,
  id: string,
  member: Member,
  on: Record<string, OnNetwork> = {},
): Promise<string> {
  const own = await update(ctx, id, member.networks, (peers, netId) => {
    const here = on[netId];
    const m: Member = { ...member, ...here };
    if (here && !here.ip6) delete m.ip6;
    if (here && !here.links) delete m.links;
    peers[id] = m;
  });
  return own ?? member.base;
}

/** Removes the container from those networks and takes it out of its peers' /etc/hosts. */
export async function leavePeers(ctx: RuntimeContext, id: string, netIds: string[]): Promise<void> {
  const present = netIds.filter((n) => existsSync(peersPath(ctx, n)));
  if (present.length === 0) return;
  await update(ctx, id, present, (peers) => {
    delete peers[id];
  });
}

/**
 * A container's address, names and links on each of its user networks (aliases and links are per
 * network: `links` by network ID, linkTargets').
 */
export function onNetworks(
  user: { networkId: string; ip: string; ip6?: string; aliases: string[] }[],
  name: string,
  cid: string,
  links: Record<string, Record<string, string>> = {},
): Record<string, OnNetwork> {
  return Object.fromEntries(
    user.map((e) => {
      const l = links[e.networkId];
      return [
        e.networkId,
        {
          ip: e.ip,
          ...(e.ip6 ? { ip6: e.ip6 } : {}),
          names: [name, ...e.aliases, cid],
          ...(l ? { links: l } : {}),
        },
      ];
    }),
  );
}

/**
 * The links of each of a container's networks (by ID), as the DNS server takes them: `run --link`
 * on its first network, `network connect --link` on the one connected (Docker keeps both as that
 * endpoint's links). `NAME[:ALIAS]` and inspect's `/name:/parent/alias` forms.
 */
export function linkTargets(
  endpoints: readonly { network: string; networkId: string }[],
  runLinks: readonly string[] | undefined,
  requests: readonly { network: string; links?: string[] }[] | undefined,
): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  endpoints.forEach((e, i) => {
    const req = requests?.find((r) => r.network === e.network || r.network === e.networkId);
    const specs = [...(i === 0 ? (runLinks ?? []) : []), ...(req?.links ?? [])];
    for (const spec of specs) {
      const [name = "", alias] = spec.split(":");
      const target = name.replace(/^\//, "");
      const as = (alias ?? target).slice((alias ?? target).lastIndexOf("/") + 1).toLowerCase();
      if (!target || !as) continue;
      out[e.networkId] = { ...out[e.networkId], [as]: target };
    }
  });
  return out;
}

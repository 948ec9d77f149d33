/**
 * The names the network's DNS server answers, as Docker's embedded DNS does: on each network the
 * asking container is on, the running members' names (container name, network-scoped aliases,
 * short ID), also as `NAME.NETWORK`; every address of the members that share a name (in turn:
 * round robin); PTR for a member's address (`NAME.NETWORK`). A name no network of the asker knows
 * is not answered here (the server forwards it).
 */
import { canonicalIPv6, TYPE_A, TYPE_AAAA } from "./dns-wire.js";
import type { Member } from "./peers.js";

/** One network's members as the server reads them (peers.json), with the network's name. */
export interface NetworkNames {
  id: string;
  name: string;
  members: Record<string, Member>;
}

export type NameResult =
  /** The addresses of the type asked for (in the order to answer). */
  | { found: string[] }
  /** The name is known, without an address of that type (Docker answers it empty, NOERROR). */
  | { found: []; nodata: true }
  | undefined;

let turn = 0;

/** Rotates the list by a counter: each answer starts with the next address (round robin). */
function rotate<T>(xs: T[]): T[] {
  if (xs.length < 2) return xs;
  const k = turn++ % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

function membersNamed(net: NetworkNames, name: string, live: (id: string) => boolean): Member[] {
  const out: Member[] = [];
  for (const [id, m] of Object.entries(net.members)) {
    if (!live(id)) continue;
    if (m.names.some((n) => n.toLowerCase() === name)) out.push(m);
  }
  return out;
}

/**
 * The addresses of `qname` (lower case, no trailing dot) of `type` (A or AAAA) on the asker's
 * networks, in its order: the first network that knows the name answers. `a.b` is also tried as
 * `a` on a network named `b` (Docker's `NAME.NETWORK`).
 */
export function lookupName(
  nets: NetworkNames[],
  qname: string,
  type: number,
  live: (id: string) => boolean,
): NameResult {
  for (const net of nets) {
    let found = membersNamed(net, qname, live);
    const suffix = `.${net.name.toLowerCase()}`;
    if (found.length === 0 && qname.endsWith(suffix)) {
      found = membersNamed(net, qname.slice(0, -suffix.length), live);
    }
    if (found.length === 0) continue;
    const addrs = [
      ...new Set(
        found.flatMap((m) => (type === TYPE_A ? [m.ip] : type === TYPE_AAAA && m.ip6 ? [m.ip6] : [])),
      ),
    ].filter(Boolean);
    return addrs.length > 0 ? { found: rotate(addrs) } : { found: [], nodata: true };
  }
  return undefined;
}

/**
 * A link alias of the asker (`--link NAME:ALIAS` on a user network: Docker's embedded DNS answers
 * ALIAS for the linking container alone) on the first of its networks where it has one: the
 * addresses of NAME (a name, or an ID or its prefix) on that network, when it runs there.
 */
export function lookupLink(
  nets: NetworkNames[],
  askerId: string,
  qname: string,
  type: number,
  live: (id: string) => boolean,
): NameResult {
  for (const net of nets) {
    const target = net.members[askerId]?.links?.[qname]?.toLowerCase();
    if (!target) continue;
    const byId = /^[0-9a-f]{12,64}$/.test(target);
    const hit = Object.entries(net.members).find(
      ([id, m]) =>
        live(id) && (m.names.some((n) => n.toLowerCase() === target) || (byId && id.startsWith(target))),
    )?.[1];
    if (!hit) continue;
    const addr = type === TYPE_A ? hit.ip : type === TYPE_AAAA ? hit.ip6 : undefined;
    return addr ? { found: [addr] } : { found: [], nodata: true };
  }
  return undefined;
}

/** The name of the member with `address` on the asker's networks (`NAME.NETWORK`), for PTR. */
export function lookupAddress(
  nets: NetworkNames[],
  address: string,
  live: (id: string) => boolean,
): string | undefined {
  const v6 = address.includes(":") ? canonicalIPv6(address) : undefined;
  for (const net of nets) {
    for (const [id, m] of Object.entries(net.members)) {
      if (!live(id)) continue;
      const hit = v6 ? m.ip6 !== undefined && canonicalIPv6(m.ip6) === v6 : m.ip === address;
      if (hit && m.names[0]) return `${m.names[0]}.${net.name}`;
    }
  }
  return undefined;
}

/** The member of `net` whose address is `address` (who is asking), with its ID. */
export function memberAt(
  net: NetworkNames,
  address: string,
  live: (id: string) => boolean,
): { id: string; member: Member } | undefined {
  const bare = address.replace(/^::ffff:/, "");
  for (const [id, m] of Object.entries(net.members)) {
    if (live(id) && (m.ip === bare || m.ip6 === bare)) return { id, member: m };
  }
  return undefined;
}

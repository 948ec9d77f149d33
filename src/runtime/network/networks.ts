/**
 * Making and finding networks: the predefined `bridge` (the default network), `host` and `none`,
 * made on first use; user-defined bridge networks (`network create`), each with a subnet from
 * Docker's default pools that no route of the host and no other network of the root uses, and its
 * bridge brought up at once (so that its subnet is taken host-wide from then on).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomHex } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { withLock } from "../../files/index.js";
import type { RuntimeContext } from "../types.js";
import {
  bridgeDiffers,
  DOCKER_POOLS,
  defaultBridgeOptions,
  firstFree,
  fixedBridgeConfig,
  type NetworkDefaults,
} from "./daemon-net.js";
import { networkEvent } from "./events.js";
import { bringUp, routedSubnets, tearDown, withHostLock } from "./host.js";
import { reservationText } from "./ipam.js";
import {
  contains,
  formatCidr,
  formatIp,
  lastAddress,
  overlaps,
  parseCidr,
  parseIp,
  type Subnet,
} from "./ipv4.js";
import {
  contains6,
  formatCidr6,
  formatIp6,
  freeUla64,
  hostRoutes6,
  lastAddress6,
  overlaps6,
  parseCidr6,
  parseIp6,
  type Subnet6,
} from "./ipv6.js";
import { ipamDir, networksDir, networksLockPath } from "./layout.js";
import {
  BRIDGE_NAME_OPT,
  bridgeOf,
  isDefaultBridge,
  lookupNetwork,
  type NetworkRecord,
  noSuchNetwork,
  PREDEFINED,
  readNetworks,
  removeNetworkFiles,
  validateNetworkName,
  writeNetwork,
} from "./store.js";
import { sweepAddresses } from "./sweep.js";

export interface CreateNetworkOptions {
  name: string;
  driver?: string;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  internal?: boolean;
  attachable?: boolean;
  options?: Record<string, string>;
  labels?: Record<string, string>;
  /** `--ipv6`: a dual-stack network (its IPv6 subnet `subnet6`, else a ULA /64 of the root's). */
  ipv6?: boolean;
  /** The IPv6 `--subnet`, `--gateway` and `--ip-range`. */
  subnet6?: string;
  gateway6?: string;
  ipRange6?: string;
  /** `--aux-address NAME=IP`: addresses of the subnet kept from containers (host-local skips them). */
  auxAddresses?: Record<string, string>;
  /** `--ipam-opt KEY=VALUE`: recorded as `IPAM.Options`. */
  ipamOptions?: Record<string, string>;
}

/** Whether this process may make bridges (the host's devices and firewall need root). */
export function canBridge(): boolean {
  return process.getuid?.() === 0;
}

function newNetworkId(): string {
  return randomHex(32);
}

function record(
  name: string,
  driver: NetworkRecord["Driver"],
  extra: Partial<NetworkRecord> = {},
): NetworkRecord {
  return {
    Name: name,
    Id: newNetworkId(),
    Created: new Date().toISOString(),
    Scope: "local",
    Driver: driver,
    EnableIPv6: false,
    IPAM: { Driver: "default", Options: null, Config: [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: "" },
    ConfigOnly: false,
    Options: {},
    Labels: {},
    ...extra,
  };
}

function subnetsOf(nets: NetworkRecord[]): Subnet[] {
  return nets.flatMap((n) => n.IPAM.Config.map((c) => parseCidr(c.Subnet)).filter((s): s is Subnet => !!s));
}

function badArg(message: string, hint: string): WharfError {
  return new WharfError("invalid-argument", message, { hint });
}

/** The IPAM config of a new bridge network: the given subnet, or the first free default pool. */
function ipamFor(
  o: CreateNetworkOptions,
  nets: NetworkRecord[],
  pools: NetworkDefaults["pools"] = DOCKER_POOLS,
): NetworkRecord["IPAM"]["Config"][number] {
  const taken = [...subnetsOf(nets), ...routedSubnets().map((r) => r.subnet)];
  let subnet: Subnet | undefined;
  if (o.subnet !== undefined) {
    subnet = parseCidr(o.subnet);
    if (!subnet || o.subnet.includes(":")) {
      throw badArg(
        `invalid subnet ${o.subnet}: not an IPv4 CIDR`,
        "give it as a.b.c.d/n, e.g. --subnet 10.10.0.0/24",
      );
    }
    if (subnet.prefix > 30)
      throw badArg(`subnet ${o.subnet} is too small`, "give a prefix of /30 or shorter");
    if (subnetsOf(nets).some((s) => overlaps(s, subnet as Subnet))) {
      throw new WharfError("conflict", "Pool overlaps with other one on this address space", {
        hint: "give a --subnet that no other network uses (wharf network inspect shows theirs)",
      });
    }
  } else {
    // daemon.json's default-address-pools, else Docker's.
    subnet = firstFree(pools, taken);
    if (!subnet) {
      throw new WharfError(
        "conflict",
        "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network",
        {
          hint: "remove unused networks (wharf network prune) or give a --subnet",
        },
      );
    }
  }
  const gateway = o.gateway ?? formatIp(subnet.base + 1);
  const gw = parseIp(gateway);
  if (gw === undefined || !contains(subnet, gw) || gw === subnet.base || gw === lastAddress(subnet)) {
    throw badArg(`no matching subnet for gateway ${gateway}`, `give a gateway inside ${formatCidr(subnet)}`);
  }
  const out: NetworkRecord["IPAM"]["Config"][number] = { Subnet: formatCidr(subnet), Gateway: gateway };
  if (o.ipRange !== undefined) {
    const r = parseCidr(o.ipRange);
    if (!r || !contains(subnet, r.base) || r.prefix < subnet.prefix) {
      throw badArg(
        `no matching subnet for range ${o.ipRange}`,
        `give an --ip-range inside ${formatCidr(subnet)}`,
      );
    }
    out.IPRange = formatCidr(r);
  }
  const aux = Object.entries(o.auxAddresses ?? {});
  for (const [name, ip] of aux) {
    const a = parseIp(ip);
    // Docker matches each aux address to a --subnet: none given, none matches.
    if (o.subnet === undefined || a === undefined || !contains(subnet, a)) {
      throw badArg(
        `no matching subnet for aux-address ${ip}`,
        `give --subnet with --aux-address ${name}=IP inside it`,
      );
    }
    if (a === subnet.base || a === lastAddress(subnet) || ip === gateway) {
      throw badArg(
        `aux-address ${ip} is the subnet's own or its gateway`,
        "give another address of the subnet",
      );
    }
  }
  if (aux.length > 0) out.AuxiliaryAddresses = Object.fromEntries(aux);
  return out;
}

function subnets6Of(nets: NetworkRecord[]): Subnet6[] {
  return nets.flatMap((n) => n.IPAM.Config.map((c) => parseCidr6(c.Subnet)).filter((s): s is Subnet6 => !!s));
}

/** The root's ULA Global ID (40 random bits, kept in `<root>/networks/ula-global-id`). */
function ulaGlobalId(ctx: RuntimeContext): bigint {
  const path = join(networksDir(ctx), "ula-global-id");
  let hex = "";
  try {
    hex = readFileSync(path, "utf8").trim();
  } catch {
    // first use: made below
  }
  if (!/^[0-9a-f]{10}$/.test(hex)) {
    hex = randomHex(5);
    writeFileSync(path, `${hex}\n`, { mode: 0o600 });
  }
  return BigInt(`0x${hex}`);
}

/**
 * The IPv6 IPAM config of a new dual-stack network: the given subnet (Docker's checks and words),
 * or the first free /64 of the root's ULA prefix (Docker 27's default without an IPv6 pool).
 */
function ipam6For(
  ctx: RuntimeContext,
  o: CreateNetworkOptions,
  nets: NetworkRecord[],
): NetworkRecord["IPAM"]["Config"][number] {
  let subnet: Subnet6 | undefined;
  if (o.subnet6 !== undefined) {
    subnet = parseCidr6(o.subnet6);
    if (!subnet) {
      throw badArg(
        `invalid network config:\ninvalid subnet ${o.subnet6}: invalid CIDR block notation`,
        "give it as an IPv6 prefix, e.g. --subnet fd00:1:2::/64",
      );
    }
    if (parseCidr6(o.subnet6, true) === undefined) {
      throw badArg(
        `invalid network config:\ninvalid subnet ${o.subnet6}: it should be ${formatCidr6(subnet)}`,
        `give the subnet's own address: --subnet ${formatCidr6(subnet)}`,
      );
    }
    if (subnet.prefix > 126)
      throw badArg(`subnet ${o.subnet6} is too small`, "give a prefix of /126 or shorter");
    if (subnets6Of(nets).some((s) => overlaps6(s, subnet as Subnet6))) {
      throw new WharfError("conflict", "Pool overlaps with other one on this address space", {
        hint: "give a --subnet that no other network uses (wharf network inspect shows theirs)",
      });
    }
  } else {
    const taken = [...subnets6Of(nets), ...hostRoutes6().map((r) => r.subnet)];
    subnet = freeUla64(ulaGlobalId(ctx), taken);
    if (!subnet) {
      throw new WharfError("conflict", "could not find an available IPv6 address pool for the network", {
        hint: "remove unused networks (wharf network prune) or give an IPv6 --subnet",
      });
    }
  }
  const gateway = o.gateway6 ?? formatIp6(subnet.base + 1n);
  const gw = parseIp6(gateway);
  if (gw === undefined || !contains6(subnet, gw) || gw === subnet.base || gw === lastAddress6(subnet)) {
    throw badArg(`no matching subnet for gateway ${gateway}`, `give a gateway inside ${formatCidr6(subnet)}`);
  }
  const out: NetworkRecord["IPAM"]["Config"][number] = {
    Subnet: formatCidr6(subnet),
    Gateway: formatIp6(gw),
  };
  if (o.ipRange6 !== undefined) {
    const r = parseCidr6(o.ipRange6);
    if (!r || !contains6(subnet, r.base) || r.prefix < subnet.prefix) {
      throw badArg(
        `no matching subnet for range ${o.ipRange6}`,
        `give an --ip-range inside ${formatCidr6(subnet)}`,
      );
    }
    out.IPRange = formatCidr6(r);
  }
  return out;
}

/**
 * Keeps the aux addresses from containers: host-local hands out an address only by making its file
 * in its store (O_EXCL), so a file there already, naming no container, is never given out.
 */
function reserveAuxAddresses(ctx: RuntimeContext, rec: NetworkRecord): void {
  const aux = Object.entries(rec.IPAM.Config[0]?.AuxiliaryAddresses ?? {});
  if (aux.length === 0) return;
  const dir = join(ipamDir(ctx, rec.Id), rec.Name);
  mkdirSync(dir, { recursive: true });
  for (const [name, ip] of aux) writeFileSync(join(dir, ip), reservationText(`aux-address:${name}`, "none"));
}

/**
 * The default bridge: daemon.json's `bip`/`fixed-cidr` or a pool's subnet, its IPv6 subnet with
 * `ipv6` (`fixed-cidr-v6`, else a ULA /64 of the root's), its `icc`, `ip` and `mtu` options.
 */
function defaultBridgeRecord(
  ctx: RuntimeContext,
  nets: NetworkRecord[],
  d: NetworkDefaults | undefined,
): NetworkRecord {
  const rec = record("bridge", "bridge");
  const fixed = fixedBridgeConfig(d);
  if (fixed && subnetsOf(nets).some((s) => overlaps(s, parseCidr(fixed.Subnet) as Subnet))) {
    throw new WharfError(
      "conflict",
      `the default bridge's subnet ${fixed.Subnet} (daemon.json's bip) overlaps another network's`,
      {
        hint: "remove that network (wharf network rm), or give daemon.json another bip",
      },
    );
  }
  rec.IPAM.Config = [fixed ?? ipamFor({ name: "bridge" }, nets, d?.pools)];
  if (d?.ipv6) {
    rec.EnableIPv6 = true;
    rec.IPAM.Config.push(
      ipam6For(ctx, { name: "bridge", ...(d.fixedCidrV6 ? { subnet6: d.fixedCidrV6 } : {}) }, nets),
    );
  }
  const { "com.docker.network.driver.mtu": mtu = "1500", ...opts } = defaultBridgeOptions(d);
  rec.Options = {
    ...opts,
    [BRIDGE_NAME_OPT]: `wharf-${rec.Id.slice(0, 9)}`,
    "com.docker.network.driver.mtu": mtu,
  };
  return rec;
}

/**
 * Whether a container holds an address on `net`: host-local's files, once those of containers
 * that are gone are given back (sweep.ts).
 */
async function inUse(ctx: RuntimeContext, net: NetworkRecord): Promise<boolean> {
  await sweepAddresses(ctx, net);
  try {
    return readdirSync(join(ipamDir(ctx, net.Id), net.Name)).some((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
  } catch {
    return false;
  }
}

/**
 * The default bridge as daemon.json (or, without it, Docker) wants it: one made with other
 * settings is made again when no running container is on it (dockerd applies daemon.json at its
 * start; wharf has none, so at the first use after the change). Only for the CLI's contexts.
 */
async function settledBridge(ctx: RuntimeContext, rec: NetworkRecord): Promise<NetworkRecord> {
  if (!ctx.networkDefaults || !isDefaultBridge(rec)) return rec;
  const d = await ctx.networkDefaults();
  if (!bridgeDiffers(rec, d)) return rec;
  return withNetworksLock(ctx, async () => {
    const now = readNetworks(ctx);
    const cur = now.find((n) => n.Id === rec.Id);
    if (!cur) return now.find(isDefaultBridge) ?? rec;
    if (!bridgeDiffers(cur, d)) return cur;
    if (await inUse(ctx, cur)) return cur;
    if (canBridge()) await tearDown(bridgeOf(cur), cur.Id, cur.EnableIPv6);
    removeNetworkFiles(ctx, cur.Id);
    const others = now.filter((n) => n.Id !== cur.Id);
    const made = defaultBridgeRecord(ctx, others, d);
    writeNetwork(ctx, made);
    if (canBridge()) await bringUp(ctx, made);
    return made;
  });
}

/** Runs `fn` under the root's networks lock (and the host lock: bridges may be made). */
export async function withNetworksLock<T>(ctx: RuntimeContext, fn: () => Promise<T>): Promise<T> {
  mkdirSync(networksDir(ctx), { recursive: true, mode: 0o700 });
  return withLock(networksLockPath(ctx), () => (canBridge() ? withHostLock(fn) : fn()));
}

/** The root's networks, the predefined ones made first when missing. */
export async function allNetworks(ctx: RuntimeContext): Promise<NetworkRecord[]> {
  const nets = readNetworks(ctx);
  if (PREDEFINED.every((n) => nets.some((r) => r.Name === n))) {
    const bridge = nets.find(isDefaultBridge);
    const settled = bridge ? await settledBridge(ctx, bridge) : bridge;
    return settled === bridge ? nets : nets.map((n) => (n === bridge && settled ? settled : n));
  }
  const d = await ctx.networkDefaults?.();
  return withNetworksLock(ctx, async () => {
    const now = readNetworks(ctx);
    for (const name of PREDEFINED) {
      if (now.some((r) => r.Name === name)) continue;
      const rec =
        name === "bridge"
          ? defaultBridgeRecord(ctx, now, d)
          : record(name, name === "host" ? "host" : "null");
      writeNetwork(ctx, rec);
      if (rec.Driver === "bridge" && canBridge()) await bringUp(ctx, rec);
      now.push(rec);
    }
    return now;
  });
}

/** A network by name, ID or ID prefix; a `not-found` error when none. */
export async function findNetwork(ctx: RuntimeContext, ref: string): Promise<NetworkRecord> {
  const fast = lookupNetwork(readNetworks(ctx), ref);
  if (fast) return isDefaultBridge(fast) ? settledBridge(ctx, fast) : fast;
  const net = lookupNetwork(await allNetworks(ctx), ref);
  if (!net) throw noSuchNetwork(ref);
  return net;
}

/** `network create`: a user-defined bridge network, its bridge up. */
export async function createNetwork(ctx: RuntimeContext, o: CreateNetworkOptions): Promise<NetworkRecord> {
  validateNetworkName(o.name);
  const driver = o.driver ?? "bridge";
  if (driver !== "bridge") {
    throw new WharfError("invalid-argument", `plugin "${driver}" not found`, {
      hint: "wharf makes bridge networks only: drop --driver or use --driver bridge",
    });
  }
  if (!canBridge()) {
    throw new WharfError("runtime", "making a bridge network needs root", {
      hint: "run wharf as root (the bridge, its routes and its firewall rules are the host's)",
    });
  }
  await allNetworks(ctx);
  const pools = (await ctx.networkDefaults?.())?.pools;
  return withNetworksLock(ctx, async () => {
    const nets = readNetworks(ctx);
    if (nets.some((n) => n.Name === o.name)) {
      throw new WharfError("conflict", `network with name ${o.name} already exists`, {
        hint: `choose another name, or remove it first: wharf network rm ${o.name}`,
      });
    }
    const rec = record(o.name, "bridge", {
      Internal: o.internal === true,
      Attachable: o.attachable === true,
      Options: o.options ?? {},
      Labels: o.labels ?? {},
    });
    rec.IPAM.Config = [ipamFor(o, nets, pools)];
    // An IPv6 --subnet enables IPv6 (Docker since 25: moby#46455).
    if (o.ipv6 || o.subnet6 !== undefined) {
      rec.EnableIPv6 = true;
      rec.IPAM.Config.push(ipam6For(ctx, o, nets));
    }
    if (o.ipamOptions && Object.keys(o.ipamOptions).length > 0) rec.IPAM.Options = o.ipamOptions;
    writeNetwork(ctx, rec);
    reserveAuxAddresses(ctx, rec);
    try {
      await bringUp(ctx, rec);
    } catch (e) {
      removeNetworkFiles(ctx, rec.Id);
      throw e;
    }
    networkEvent(ctx, rec, "create");
    return rec;
  });
}

/** Where networking keeps its files: under the wharf root, and the host-wide ones under /run. */
import { join } from "node:path";
import type { RuntimeContext } from "../types.js";

/** `<root>/networks`: one directory per network, the port reservations, the lock. */
export function networksDir(ctx: RuntimeContext): string {
  return join(ctx.root, "networks");
}

/** `<root>/networks/<id>`: `config.json` (the network as `network inspect` shows it). */
export function networkDir(ctx: RuntimeContext, id: string): string {
  return join(networksDir(ctx), id);
}

export function networkConfigPath(ctx: RuntimeContext, id: string): string {
  return join(networkDir(ctx, id), "config.json");
}

/** host-local's data directory (it adds `<network name>/`: one file per address, its `lock`). */
export function ipamDir(ctx: RuntimeContext, id: string): string {
  return join(networkDir(ctx, id), "ipam");
}

/** The containers of a user network, by name and address, for their /etc/hosts (peers.ts). */
export function peersPath(ctx: RuntimeContext, id: string): string {
  return join(networkDir(ctx, id), "peers.json");
}

/** The network's DNS server (dns-server.ts): its PID, while it runs. */
export function dnsPidPath(ctx: RuntimeContext, id: string): string {
  return join(networkDir(ctx, id), "dns.pid");
}

/** What the network's DNS server writes of its failures. */
export function dnsLogPath(ctx: RuntimeContext, id: string): string {
  return join(networkDir(ctx, id), "dns.log");
}

/** Held while any container's /etc/hosts is rewritten for its peers (one lock for all networks). */
export function peersLockPath(ctx: RuntimeContext): string {
  return join(networksDir(ctx), ".peers.lock");
}

/** Held to create or remove a network (names stay unique). */
export function networksLockPath(ctx: RuntimeContext): string {
  return join(networksDir(ctx), ".lock");
}

/** The directory `ip netns` keeps its namespace files in. */
export const NETNS_DIR = "/run/netns";

/** A container's network namespace file (`ip netns` name `wharf-<id>`). */
export function netnsName(containerId: string): string {
  return `wharf-${containerId}`;
}

export function netnsPath(containerId: string): string {
  return join(NETNS_DIR, netnsName(containerId));
}

/** wharf's host-wide files: what every root shares (bridges, routes and ports are the host's). */
export const HOST_DIR = "/run/wharf";

/**
 * Held host-wide while a bridge is brought up or taken down, so that two roots never take one
 * subnet (the bridges and their routes are the host's, whichever root made them).
 */
export const HOST_LOCK = `${HOST_DIR}/network.lock`;

/**
 * The host ports published by running containers of every root (ports.ts): on tmpfs, as the
 * namespaces that mark them live are (a reboot ends both).
 */
export const PORTS_FILE = `${HOST_DIR}/ports.json`;
export const PORTS_LOCK = `${HOST_DIR}/ports.lock`;

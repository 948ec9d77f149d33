/** The networks of a root: one `config.json` each, in the shape `network inspect` shows. */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { errnoCode, WharfError } from "../../errors/index.js";
import { removeTree, writeFileAtomicSync } from "../../files/index.js";
import type { RuntimeContext } from "../types.js";
import { networkConfigPath, networkDir, networksDir } from "./layout.js";

export interface IpamConfig {
  Subnet: string;
  Gateway: string;
  IPRange?: string;
  /** `--aux-address NAME=IP`: addresses of the subnet no container is given. */
  AuxiliaryAddresses?: Record<string, string>;
}

/** A network as Docker's `network inspect` shows it (without `Containers`, found when asked). */
export interface NetworkRecord {
  Name: string;
  Id: string;
  Created: string;
  Scope: "local";
  Driver: "bridge" | "host" | "null";
  EnableIPv6: boolean;
  IPAM: { Driver: "default"; Options: Record<string, string> | null; Config: IpamConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

/** The networks every root has, as Docker's: `bridge` (the default), `host` and `none`. */
export const PREDEFINED = ["bridge", "host", "none"] as const;

export const BRIDGE_NAME_OPT = "com.docker.network.bridge.name";

/** The bridge device of a bridge network. */
export function bridgeOf(net: NetworkRecord): string {
  return net.Options[BRIDGE_NAME_OPT] ?? `wharf-${net.Id.slice(0, 9)}`;
}

/** The IPv6 subnet of a dual-stack network (`--ipv6`); undefined for an IPv4-only one. */
export function ipv6ConfigOf(net: NetworkRecord): IpamConfig | undefined {
  return net.EnableIPv6 ? net.IPAM.Config.find((c) => c.Subnet.includes(":")) : undefined;
}

export function isDefaultBridge(net: NetworkRecord): boolean {
  return net.Name === "bridge" && net.Driver === "bridge";
}

/** Every network record of the root (unreadable or half-made ones are skipped). */
export function readNetworks(ctx: RuntimeContext): NetworkRecord[] {
  let ids: string[];
  try {
    ids = readdirSync(networksDir(ctx)).filter((n) => /^[0-9a-f]{64}$/.test(n));
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return [];
    throw e;
  }
  const out: NetworkRecord[] = [];
  for (const id of ids) {
    const rec = readNetwork(ctx, id);
    if (rec) out.push(rec);
  }
  return out;
}

export function readNetwork(ctx: RuntimeContext, id: string): NetworkRecord | undefined {
  try {
    return JSON.parse(readFileSync(networkConfigPath(ctx, id), "utf8")) as NetworkRecord;
  } catch {
    return undefined;
  }
}

export function noSuchNetwork(ref: string): WharfError {
  return new WharfError("not-found", `network ${ref} not found`, {
    hint: "list the networks with: wharf network ls",
  });
}

/** A network by name, full ID or unique ID prefix (Docker's order); undefined when none. */
export function lookupNetwork(nets: NetworkRecord[], ref: string): NetworkRecord | undefined {
  const byName = nets.find((n) => n.Name === ref);
  if (byName) return byName;
  const byId = nets.find((n) => n.Id === ref);
  if (byId) return byId;
  if (!/^[0-9a-f]+$/.test(ref)) return undefined;
  const prefixed = nets.filter((n) => n.Id.startsWith(ref));
  if (prefixed.length > 1) {
    throw new WharfError("conflict", `network ${ref} is ambiguous (${prefixed.length} matches found)`, {
      hint: "give more of the network's ID, or its name",
    });
  }
  return prefixed[0];
}

export function writeNetwork(ctx: RuntimeContext, rec: NetworkRecord): void {
  mkdirSync(networkDir(ctx, rec.Id), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(networkConfigPath(ctx, rec.Id), `${JSON.stringify(rec, null, 2)}\n`, { mode: 0o600 });
}

export function removeNetworkFiles(ctx: RuntimeContext, id: string): void {
  removeTree(networkDir(ctx, id));
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function validateNetworkName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new WharfError(
      "invalid-argument",
      `invalid network name "${name}": must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`,
      {
        hint: "use letters, digits, '_', '.' and '-', starting with a letter or digit",
      },
    );
  }
}

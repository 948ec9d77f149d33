/**
 * The networking options of a container and its network state while it runs: kept apart from
 * ../types.ts, which extends them.
 */

import type { Subnet } from "./ipv4.js";

export type PortProtocol = "tcp" | "udp" | "sctp";

/**
 * One `-p` binding as asked (Docker's `PortBinding` under a container port): `hostPort` is empty
 * (any free port), a port, or a range `8000-8010` (any free port of it).
 */
export interface PublishSpec {
  containerPort: number;
  protocol: PortProtocol;
  /** The host address to listen on; empty: all of them. */
  hostIp: string;
  hostPort: string;
}

/** A network the container joins (Docker's `EndpointSettings` as asked). */
export interface EndpointRequest {
  /** The network's name (or ID) as the user gave it. */
  network: string;
  /** `--network-alias` / `network connect --alias`. */
  aliases?: string[];
  /** `--ip` / `network connect --ip`. */
  ip?: string;
  /** `--ip6` / `network connect --ip6`: the address on a dual-stack network's IPv6 subnet. */
  ip6?: string;
  /** `--mac-address`: the interface's MAC on the primary network (else the kernel's random one). */
  mac?: string;
  /**
   * `--link-local-ip` / `network connect --link-local-ip`: addresses added to the interface on this
   * network after its bridge ADD, as Docker's (a /16 for IPv4, a /64 for IPv6).
   */
  linkLocalIps?: string[];
  /**
   * `network connect --link NAME:ALIAS` (a user-defined network only): the linked container, by its
   * name, resolves as ALIAS for this container on this network (links.ts).
   */
  links?: string[];
}

export interface NetworkRunOptions {
  /**
   * The bridge networks joined, the first being the primary one (`--network`, then `network
   * connect`). Absent: the network `network` names alone (the default bridge unless `none`,
   * `host` or `container:…`).
   */
  endpoints?: EndpointRequest[];
  /** `-p`. */
  publish?: PublishSpec[];
  /** `-P`: every exposed port to a free host port. */
  publishAll?: boolean;
  /** `--expose`, as `port/proto`. */
  expose?: string[];
  /** `--dns`, `--dns-search`, `--dns-option`. */
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** `--add-host name:ip`. */
  extraHosts?: string[];
}

/** A published port as it is while the container runs. */
export interface PortMapping {
  containerPort: number;
  protocol: PortProtocol;
  hostIp: string;
  hostPort: number;
}

/** One interface of a running container on a bridge network. */
export interface EndpointState {
  network: string;
  networkId: string;
  /** The interface in the container (`eth0`, `eth1`, ...). */
  ifname: string;
  ip: string;
  prefixLen: number;
  gateway: string;
  /** The IPv6 address, its prefix length and gateway on a dual-stack network (`--ipv6`). */
  ip6?: string;
  prefixLen6?: number;
  gateway6?: string;
  mac: string;
  aliases: string[];
  /** The CNI plugins' result for this interface (passed back to them at DEL). */
  result?: unknown;
}

/** What a running container's record holds of its network (cleared when it ends). */
export interface NetState {
  /** The network namespace file (Docker's `SandboxKey`). */
  sandboxKey: string;
  endpoints: EndpointState[];
  ports: PortMapping[];
  /**
   * The ports without a host IP are on the host's IPv6 side too (`[::]`: the port relay or the
   * ip6tables DNAT; the host has IPv6): `port`, `ps` and `inspect` show a `::` binding beside each.
   */
  ports6?: true;
}

/** The gate of a start (gate.ts): a FIFO runc's hook reads, held open by wharf. */
export interface Gate {
  path: string;
  fd: number;
}

/** A hook of the OCI spec. */
export interface SpecHook {
  path: string;
  args: string[];
  timeout?: number;
}

/** What a start needs of the network: the namespace for the spec, the /etc files, the record's state. */
export interface NetSetup {
  /** The network namespace runc joins; absent: runc's own (`none`) or the host's. */
  netnsPath?: string;
  state?: NetState;
  hosts?: string;
  resolv?: string;
  hostname?: string;
  /** `container:…`: the directory whose hosts, hostname and resolv.conf the container shares. */
  shareEtcFrom?: string;
  /**
   * What the container need not wait for, made while runc starts it: the published ports' rules.
   * The start is recorded (and `run -d` returns) once they are in place; a failure stops it.
   */
  ready?: Promise<void>;
  /**
   * A gated start (gate.ts): the namespace is made and runc may start; the rest (the interfaces,
   * the /etc files' contents, the state) comes as `late`, and the container's process waits at
   * the gate (`hook`, a createRuntime hook of the spec) until it has.
   */
  gate?: Gate;
  hooks?: SpecHook[];
  late?: Promise<NetSetup>;
}

export interface NetworkRecordFields {
  net?: NetState;
}

/** A pool of `base` cut into subnets of prefix `size` (daemon.json's `{"base": …, "size": …}`). */
export interface AddressPool {
  base: Subnet;
  size: number;
}

/** What daemon.json says of networks (absent: Docker's own default). */
export interface NetworkDefaults {
  pools?: AddressPool[];
  /** `bip`: the default bridge's address (its gateway) and subnet. */
  bip?: { subnet: Subnet; gateway: number };
  fixedCidr?: Subnet;
  ipv6?: boolean;
  fixedCidrV6?: string;
  mtu?: number;
  icc?: boolean;
  ip?: string;
  userlandProxy?: boolean;
}

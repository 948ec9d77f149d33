/**
 * Docker's legacy container links (`run|create --link NAME_OR_ID[:ALIAS]`), loaded only for a
 * container that has some.
 *
 * - On the default `bridge` network (Docker's `daemon/links`): the linked container must exist at
 *   create and run at each start; the new container's /etc/hosts gets `IP\tALIAS HOSTNAME[ NAME]`
 *   (the name only when it is not the alias) after the `--add-host` lines, and its environment
 *   Docker's variables: `ALIAS_PORT`, `ALIAS_PORT_<port>_<PROTO>[_ADDR|_PORT|_PROTO]` (and
 *   `_START`/`_END` of runs of consecutive ports), `ALIAS_NAME=/parent/alias` and
 *   `ALIAS_ENV_<var>` for the linked container's variables but HOME and PATH.
 * - On a user-defined network: an alias of the linked container seen by this container only (an
 *   /etc/hosts line `IP\tALIAS` when the linked container runs on the same network), no variables.
 *
 * The links are resolved again at each start (the linked container's address of that moment), and
 * handed to the start as `Linked`; the record keeps only what was asked (`options.links`).
 */
import { WharfError } from "../errors/index.js";
import { getContainer } from "./reconcile.js";
import { noSuchContainer, updateRecord } from "./store.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

/** What a start adds for the container's links: environment variables and `--add-host` entries. */
export interface Linked {
  env: string[];
  /** `NAMES:IP` entries, as `--add-host` takes them (network/etc.ts's `extraHostLine`). */
  hosts: string[];
}

/** Docker's `opts.ParseLink`: `NAME[:ALIAS]`, or the `/name:/parent/alias` form inspect shows. */
export function parseLink(value: string): { name: string; alias: string } {
  if (value === "") throw badLink("empty string specified for links", value);
  const parts = value.split(":");
  if (parts.length > 2) throw badLink(`bad format for links: ${value}`, value);
  const [name = "", alias] = parts;
  if (alias === undefined) return { name, alias: name };
  if (name.startsWith("/")) return { name: name.slice(1), alias: alias.slice(alias.lastIndexOf("/") + 1) };
  if (name === "" || alias === "") throw badLink(`bad format for links: ${value}`, value);
  return { name, alias };
}

function badLink(message: string, value: string): WharfError {
  return new WharfError("invalid-argument", `invalid argument "${value}" for "--link" flag: ${message}`, {
    hint: "give --link NAME or --link NAME:ALIAS",
  });
}

/** Docker's link environment (`links.Link.ToEnv`) of one link. */
export function linkEnv(o: {
  /** The link's full name, `/parent/alias`. */
  name: string;
  ip: string;
  /** The linked container's exposed ports, `5432/tcp`. */
  ports: readonly string[];
  /** The linked container's `Config.Env`. */
  env: readonly string[];
}): string[] {
  const alias = (o.name.slice(o.name.lastIndexOf("/") + 1) || o.name).toUpperCase().replaceAll("-", "_");
  const ports = o.ports.map((k) => {
    const [n = "", proto = "tcp"] = k.split("/");
    return { num: Number(n), proto };
  });
  // TCP first, then by protocol name; by number within a protocol.
  ports.sort((a, b) =>
    a.proto === b.proto
      ? a.num - b.num
      : a.proto === "tcp"
        ? -1
        : b.proto === "tcp"
          ? 1
          : a.proto.localeCompare(b.proto),
  );
  const out: string[] = [];
  const url = (p: { num: number; proto: string }) => `${p.proto}://${o.ip}:${p.num}`;
  const prefixOf = (p: { num: number; proto: string }) => `${alias}_PORT_${p.num}_${p.proto.toUpperCase()}`;
  let start = ports[0];
  let end = ports[0];
  ports.forEach((p, i) => {
    if (i === 0) out.push(`${alias}_PORT=${url(p)}`);
    const prefix = prefixOf(p);
    out.push(
      `${prefix}=${url(p)}`,
      `${prefix}_ADDR=${o.ip}`,
      `${prefix}_PORT=${p.num}`,
      `${prefix}_PROTO=${p.proto}`,
    );
    if (end && start && p.num === end.num + 1 && p.proto === end.proto) {
      end = p;
      if (i < ports.length - 1) return;
    }
    if (start && end && end !== start) {
      const range = prefixOf(start);
      out.push(
        `${range}_START=${url(start)}`,
        `${range}_PORT_START=${start.num}`,
        `${range}_END=${url(end)}`,
        `${range}_PORT_END=${end.num}`,
      );
    }
    start = p;
    end = p;
  });
  out.push(`${alias}_NAME=${o.name}`);
  for (const kv of o.env) {
    const eq = kv.indexOf("=");
    if (eq < 0) continue;
    const key = kv.slice(0, eq);
    if (key === "HOME" || key === "PATH") continue;
    out.push(`${alias}_ENV_${key}=${kv.slice(eq + 1)}`);
  }
  return out;
}

/** The names of a default-bridge link's hosts line: the alias, the hostname, the name if not the alias. */
export function linkHostNames(alias: string, hostname: string, name: string): string {
  return alias === name ? `${alias} ${hostname}` : `${alias} ${hostname} ${name}`;
}

/**
 * The linked container's `Config.Env` as Docker keeps it: its variables without the HOSTNAME (and
 * TERM of a TTY) that Docker adds only when it starts a container.
 */
export function configEnv(rec: ContainerRecord): string[] {
  const given = new Set(
    [...(rec.imageConfig.Env ?? []), ...(rec.options.env ?? [])].map((e) => e.split("=")[0] ?? ""),
  );
  return rec.env.filter((e) => {
    const k = e.split("=")[0] ?? "";
    return given.has(k) || (k !== "HOSTNAME" && k !== "TERM");
  });
}

function exposedOf(rec: ContainerRecord): string[] {
  const keys = new Set<string>();
  const add = (k: string) => keys.add(k.includes("/") ? k : `${k}/tcp`);
  for (const k of Object.keys(rec.imageConfig.ExposedPorts ?? {})) add(k);
  for (const k of rec.options.expose ?? []) add(k);
  for (const p of rec.options.publish ?? []) add(`${p.containerPort}/${p.protocol}`);
  return [...keys];
}

/** The network mode's kind, as far as links care. */
function modeOf(rec: ContainerRecord): "bridge" | "user" | "host" | "container" | "none" {
  const m = rec.options.network ?? "default";
  if (m === "host" || m === "none") return m;
  if (m.startsWith("container:")) return "container";
  // The primary network decides (a default-bridge container `network connect`ed elsewhere keeps its links).
  const primary = rec.options.endpoints?.[0]?.network ?? m;
  return primary === "default" || primary === "bridge" ? "bridge" : "user";
}

/** The container whose network a linked container uses (through `container:` modes), as Docker. */
async function networkOwner(ctx: RuntimeContext, rec: ContainerRecord): Promise<ContainerRecord> {
  let cur = rec;
  for (let i = 0; i < 16 && modeOf(cur) === "container"; i++) {
    const ref = (cur.options.network ?? "").slice("container:".length);
    cur = await getContainer(ctx, ref).catch(() => {
      throw new WharfError("invalid-argument", `Could not get container for ${ref}`);
    });
  }
  return cur;
}

const HOST_CONFLICT =
  "conflicting options: host type networking can't be used with links. This would result in undefined behavior";

/**
 * Docker's create-time checks (`registerLinks` and `validateNetMode`): the flags' format, no links
 * with `--network host` or `container:`, and on the default bridge each linked container existing
 * (running, too, when `running`: `run` refuses before it makes anything) and not on the host's network.
 * Returns the links to keep: `NAME:ALIAS` by the linked container's name (an ID given is resolved).
 */
export async function checkLinks(
  ctx: RuntimeContext,
  o: Pick<ContainerRecord["options"], "links" | "network" | "endpoints">,
  name: string | undefined,
  opts: { running?: boolean } = {},
): Promise<string[] | undefined> {
  const links = (o.links ?? []).map(parseLink);
  if (links.length === 0) return undefined;
  const probe = { options: o } as ContainerRecord;
  const mode = modeOf(probe);
  if (mode === "host")
    throw new WharfError("invalid-argument", HOST_CONFLICT, { hint: "drop --link or --network host" });
  if (mode === "container") {
    throw new WharfError(
      "invalid-argument",
      "conflicting options: container type network can't be used with links. This would result in undefined behavior",
      { hint: "drop --link: the container shares the other container's network and its /etc/hosts" },
    );
  }
  // Docker keeps the link by the linked container, whatever name or ID it was given by.
  if (mode === "user") return o.links;
  const out: string[] = [];
  for (const l of links) {
    const child = await getContainer(ctx, l.name).catch((e: unknown) => {
      const inner = e instanceof WharfError ? e.message : noSuchContainer(l.name).message;
      throw new WharfError("invalid-argument", `could not get container for ${l.name}: ${inner}`, {
        hint: "`wharf ps -a` lists the containers; start the one to link to first",
      });
    });
    const owner = await networkOwner(ctx, child);
    if (modeOf(owner) === "host") throw new WharfError("invalid-argument", HOST_CONFLICT);
    if (opts.running && mode === "bridge" && owner.state !== "running")
      throw notRunning(child, name ?? "", l.alias);
    out.push(`${child.name}:${l.alias}`);
  }
  return out;
}

function notRunning(child: ContainerRecord, parent: string, alias: string): WharfError {
  return new WharfError(
    "runtime",
    `Cannot link to a non running container: /${child.name} AS /${parent ? `${parent}/` : ""}${alias}`,
    { hint: `start it first: wharf start ${child.name}` },
  );
}

/** Whether a container has links to resolve: `--link`, or `network connect --link` on some network. */
export function hasLinks(o: Pick<ContainerRecord["options"], "links" | "endpoints">): boolean {
  return (o.links?.length ?? 0) > 0 || o.endpoints?.some((e) => (e.links?.length ?? 0) > 0) === true;
}

/**
 * The links of a start of `rec`, resolved now (Docker's `setupLinkedContainers`, `buildSandboxOptions`).
 * `lenient` (a running container's /etc/hosts rewritten after `network connect`/`disconnect`): a
 * linked container that stopped or left the default bridge is left out rather than refused.
 */
export async function resolveLinks(
  ctx: RuntimeContext,
  rec: ContainerRecord,
  opts: { lenient?: boolean } = {},
): Promise<Linked> {
  const out: Linked = { env: [], hosts: [] };
  const mode = modeOf(rec);
  if (mode !== "bridge" && mode !== "user") return out;
  // `network connect --link`: an alias on that network alone, when the linked container runs there.
  for (const req of rec.options.endpoints ?? []) {
    for (const l of (req.links ?? []).map(parseLink)) {
      const child = await getContainer(ctx, l.name).catch(() => undefined);
      const owner = child ? await networkOwner(ctx, child).catch(() => undefined) : undefined;
      if (owner?.state !== "running") continue;
      const ep = owner.net?.endpoints.find((e) => e.network === req.network || e.networkId === req.network);
      if (ep) out.hosts.push(`${l.alias}:${ep.ip}`);
    }
  }
  const userNets = new Set(
    mode === "user" ? (rec.options.endpoints?.map((e) => e.network) ?? [rec.options.network ?? ""]) : [],
  );
  for (const l of (rec.options.links ?? []).map(parseLink)) {
    // A linked container removed since is no link any more (Docker drops it with the container).
    const child = await getContainer(ctx, l.name).catch(() => undefined);
    if (!child) continue;
    const owner = await networkOwner(ctx, child);
    if (mode === "user") {
      if (owner.state !== "running") continue;
      const ep = owner.net?.endpoints.find((e) => userNets.has(e.network) || userNets.has(e.networkId));
      if (ep) out.hosts.push(`${l.alias}:${ep.ip}`);
      continue;
    }
    const ep = owner.net?.endpoints.find((e) => e.network === "bridge");
    if (opts.lenient && (owner.state !== "running" || !ep)) continue;
    if (owner.state !== "running") throw notRunning(child, rec.name, l.alias);
    if (!ep) {
      throw new WharfError(
        "runtime",
        `Cannot link to /${child.name}, as it does not belong to the default network`,
        {
          hint: "run both containers on a user-defined network (wharf network create NET; --network NET) instead",
        },
      );
    }
    const names = linkHostNames(l.alias, child.options.hostname ?? child.id.slice(0, 12), child.name);
    out.hosts.push(`${names}:${ep.ip}`);
    if (ep.ip6) out.hosts.push(`${names}:${ep.ip6}`);
    out.env.push(
      ...linkEnv({
        name: `/${rec.name}/${l.alias}`,
        ip: ep.ip,
        ports: exposedOf(child),
        env: configEnv(child),
      }),
    );
  }
  return out;
}

/**
 * `network connect --link` (Docker's daemon): links on a user-defined network only, each
 * `NAME[:ALIAS]` naming a container that exists. Returns them as kept: `NAME:ALIAS` by the
 * linked container's name.
 */
export async function checkEndpointLinks(
  ctx: RuntimeContext,
  links: readonly string[],
  userDefined: boolean,
): Promise<string[]> {
  if (links.length === 0) return [];
  if (!userDefined) {
    throw new WharfError("invalid-argument", "links are only supported for user-defined networks", {
      hint: "connect it to a network made with `wharf network create`, or give --link to `run` on the default bridge",
    });
  }
  const out: string[] = [];
  for (const l of links.map(parseLink)) {
    const child = await getContainer(ctx, l.name).catch((e: unknown) => {
      const inner = e instanceof WharfError ? e.message : noSuchContainer(l.name).message;
      throw new WharfError("invalid-argument", `could not get container for ${l.name}: ${inner}`, {
        hint: "`wharf ps -a` lists the containers",
      });
    });
    out.push(`${child.name}:${l.alias}`);
  }
  return out;
}

/** `HostConfig.Links` as Docker's inspect shows them: `/name:/parent/alias` (default bridge only). */
export function inspectLinks(rec: Pick<ContainerRecord, "name" | "options">): string[] | null {
  if (modeOf(rec as ContainerRecord) !== "bridge" && modeOf(rec as ContainerRecord) !== "none") return null;
  const links = (rec.options.links ?? []).map(parseLink);
  return links.length > 0 ? links.map((l) => `/${l.name}:/${rec.name}/${l.alias}`) : null;
}

/**
 * The record a start runs with: its environment with the links' variables (Docker's order: after
 * HOSTNAME and TERM, before the container's own, which win by name) and the links' hosts lines
 * after the `--add-host` ones. Not written back: the record keeps what was asked.
 */
export function applyLinked(rec: ContainerRecord, linked: Linked): ContainerRecord {
  if (linked.env.length === 0 && linked.hosts.length === 0) return rec;
  const keyOf = (e: string) => e.split("=")[0] ?? "";
  const own = new Set(rec.env.map(keyOf));
  const lead = rec.env.filter((e, i) => i < 2 && (keyOf(e) === "HOSTNAME" || keyOf(e) === "TERM"));
  const env = [...lead, ...linked.env.filter((e) => !own.has(keyOf(e))), ...rec.env.slice(lead.length)];
  const extraHosts = [...(rec.options.extraHosts ?? []), ...linked.hosts];
  return { ...rec, env, options: { ...rec.options, ...(extraHosts.length > 0 ? { extraHosts } : {}) } };
}

/**
 * `rm --link /PARENT/ALIAS` (Docker's `rmLink`): the link goes from the parent's record, which is
 * all a link is here; a running parent keeps its /etc/hosts line and variables until its next start.
 */
export async function removeLink(ctx: RuntimeContext, link: string): Promise<void> {
  const full = link.startsWith("/") ? link : `/${link}`;
  const cut = full.lastIndexOf("/");
  const parentName = full.slice(0, cut);
  const alias = full.slice(cut + 1);
  if (parentName === "") {
    throw new WharfError("conflict", "Conflict, cannot remove the default link name of the container", {
      hint: "name the link as /PARENT/ALIAS (inspect -f '{{.HostConfig.Links}}' PARENT lists them)",
    });
  }
  const parent = await getContainer(ctx, parentName).catch(() => {
    throw new WharfError("container-not-found", `Cannot get parent ${parentName} for link name ${full}`, {
      hint: "`wharf ps -a` lists the containers",
    });
  });
  const has = (r: ContainerRecord) =>
    modeOf(r) !== "user" && (r.options.links ?? []).some((l) => parseLink(l).alias === alias);
  if (!has(parent)) throw noSuchContainer(full);
  await updateRecord(ctx, parent.id, (r) => {
    if (!has(r)) return undefined;
    const { links: _l, ...options } = r.options;
    const kept = (r.options.links ?? []).filter((l) => parseLink(l).alias !== alias);
    return { ...r, options: kept.length > 0 ? { ...options, links: kept } : options };
  });
}

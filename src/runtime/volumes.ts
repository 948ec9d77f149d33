/**
 * Local volumes, as Docker's `local` driver keeps them: `<root>/volumes/<name>/_data` is what a
 * container mounts, `<root>/volumes/<name>/volume.json` its metadata (created, labels, whether it
 * is anonymous). Named volumes are made by `volume create` or on first use (`-v NAME:/path`);
 * anonymous ones (`-v /path`, an image's VOLUME) get a generated 64-hex name. A volume a container
 * names (running or not) is never removed.
 */
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { randomHex } from "../digest/index.js";
import { errnoCode, WharfError } from "../errors/index.js";
import { removeTree, writeFileAtomicSync } from "../files/index.js";
import { contentBytes } from "./du.js";
import { appendEvent } from "./events.js";
import { listContainers } from "./reconcile.js";
import type { MountSpec, RuntimeContext } from "./types.js";
import {
  metaPath,
  readMeta,
  VOLUME_NAME,
  type VolumeMeta,
  volumeDataPath,
  volumeNames,
  volumesDir,
  withVolumesLock,
} from "./volume-meta.js";
import { checkVolumeOptions, unmountVolume } from "./volume-mounts.js";

export { VOLUME_NAME, volumeDataPath, volumeNames, volumeOptions, volumesDir } from "./volume-meta.js";

/** Docker's label on anonymous volumes. */
export const ANONYMOUS_LABEL = "com.docker.volume.anonymous";

/** A volume as `volume inspect` shows it (Docker's `volume.Volume`). */
export interface VolumeInfo {
  CreatedAt: string;
  Driver: "local";
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: "local";
}

export function noSuchVolume(name: string): WharfError {
  return new WharfError("not-found", `get ${name}: no such volume`, {
    hint: "`wharf volume ls` lists the volumes",
  });
}

function checkName(name: string): void {
  if (!VOLUME_NAME.test(name)) {
    throw new WharfError(
      "invalid-argument",
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}

function info(ctx: RuntimeContext, m: VolumeMeta): VolumeInfo {
  return {
    CreatedAt: `${m.createdAt.slice(0, 19)}Z`,
    Driver: "local",
    Labels: m.labels,
    Mountpoint: volumeDataPath(ctx, m.name),
    Name: m.name,
    Options: m.options ?? null,
    Scope: "local",
  };
}

export interface CreateVolumeOptions {
  /** Absent: an anonymous volume with a generated name. */
  name?: string;
  labels?: Record<string, string>;
  /** `-o type=... -o device=... -o o=...`: Docker's local driver options (`volume-mounts.ts`). */
  driverOptions?: Record<string, string>;
}

function makeVolume(ctx: RuntimeContext, m: VolumeMeta): void {
  mkdirSync(volumeDataPath(ctx, m.name), { recursive: true, mode: 0o755 });
  writeFileAtomicSync(metaPath(ctx, m.name), `${JSON.stringify(m)}\n`);
}

/**
 * `volume create`: makes a volume, or returns the one of that name (as Docker's local driver does
 * for a second create of a name).
 */
export async function createVolume(ctx: RuntimeContext, opts: CreateVolumeOptions = {}): Promise<VolumeInfo> {
  if (opts.name !== undefined) checkName(opts.name);
  const name = opts.name ?? randomHex(32);
  const options = checkVolumeOptions(name, opts.driverOptions ?? {});
  const made = await withVolumesLock(ctx, async () => {
    const old = readMeta(ctx, name);
    if (old) return { meta: old, fresh: false };
    const meta: VolumeMeta = {
      name,
      createdAt: new Date().toISOString(),
      labels: opts.name === undefined ? { ...opts.labels, [ANONYMOUS_LABEL]: "" } : { ...opts.labels },
      ...(opts.name === undefined ? { anonymous: true } : {}),
      ...(options ? { options } : {}),
    };
    makeVolume(ctx, meta);
    return { meta, fresh: true };
  });
  if (made.fresh)
    appendEvent(ctx, {
      Type: "volume",
      Action: "create",
      Actor: { ID: name, Attributes: { driver: "local" } },
    });
  return info(ctx, made.meta);
}

/**
 * The volumes a new container's mounts name: anonymous ones get a generated name (so that
 * `inspect` shows it and `rm -v` finds it), and every volume is made now if missing (Docker makes
 * them at create). Returns the mounts with their names.
 */
export async function ensureVolumes(ctx: RuntimeContext, mounts: readonly MountSpec[]): Promise<MountSpec[]> {
  const out: MountSpec[] = [];
  for (const m of mounts) {
    if (m.type !== "volume") {
      out.push(m);
      continue;
    }
    const driverOptions = m.volumeOptions ? { driverOptions: m.volumeOptions } : {};
    const v = await createVolume(ctx, m.anonymous ? driverOptions : { name: m.source, ...driverOptions });
    out.push({ ...m, source: v.Name });
  }
  return out;
}

/** Every volume, by name. */
export async function listVolumes(ctx: RuntimeContext): Promise<VolumeInfo[]> {
  let names: string[];
  try {
    names = readdirSync(volumesDir(ctx)).filter((n) => VOLUME_NAME.test(n));
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return [];
    throw e;
  }
  return names
    .map((n) => readMeta(ctx, n))
    .filter((m): m is VolumeMeta => m !== undefined)
    .map((m) => info(ctx, m))
    .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

export async function inspectVolume(ctx: RuntimeContext, name: string): Promise<VolumeInfo> {
  const m = VOLUME_NAME.test(name) ? readMeta(ctx, name) : undefined;
  if (!m) throw noSuchVolume(name);
  return info(ctx, m);
}

/** Volume name → the IDs of the containers (of any state) that mount it. */
export async function volumeUsers(ctx: RuntimeContext): Promise<Map<string, string[]>> {
  const users = new Map<string, string[]>();
  for (const rec of await listContainers(ctx)) {
    for (const n of volumeNames(rec)) users.set(n, [...(users.get(n) ?? []), rec.id]);
  }
  return users;
}

function inUse(name: string, ids: string[]): WharfError {
  return new WharfError("conflict", `remove ${name}: volume is in use - [${ids.join(", ")}]`, {
    hint: "remove the containers that use it first (`wharf ps -a --filter volume=NAME`)",
  });
}

async function removeOne(ctx: RuntimeContext, name: string, users: Map<string, string[]>): Promise<void> {
  const ids = users.get(name);
  if (ids && ids.length > 0) throw inUse(name, ids);
  // A filesystem still mounted on it (its last user died unseen) comes off first: what is under a
  // bind (`type=none,o=bind`) is the host's and is never removed.
  await unmountVolume(volumeDataPath(ctx, name));
  // The metadata first: a removal cut short leaves a directory that is no volume, not a half volume.
  removeTree(metaPath(ctx, name));
  removeTree(join(volumesDir(ctx), name));
  appendEvent(ctx, {
    Type: "volume",
    Action: "destroy",
    Actor: { ID: name, Attributes: { driver: "local" } },
  });
}

/** `volume rm`: refuses a volume that a container mounts (`force` only forgives a missing one). */
export async function removeVolume(
  ctx: RuntimeContext,
  name: string,
  opts: { force?: boolean } = {},
): Promise<void> {
  await withVolumesLock(ctx, async () => {
    if (!VOLUME_NAME.test(name) || !readMeta(ctx, name)) {
      if (opts.force) return;
      throw noSuchVolume(name);
    }
    await removeOne(ctx, name, await volumeUsers(ctx));
  });
}

/**
 * The anonymous volumes of a container that is being removed (`rm -v`, `--rm`), unless another
 * container uses them too. Named volumes stay.
 */
export async function removeAnonymousVolumes(
  ctx: RuntimeContext,
  rec: { id: string; options: { mounts?: MountSpec[] } },
): Promise<void> {
  const anon = (rec.options.mounts ?? []).filter(
    (m) => m.type === "volume" && m.anonymous && m.source !== "",
  );
  if (anon.length === 0) return;
  await withVolumesLock(ctx, async () => {
    const users = await volumeUsers(ctx);
    for (const m of anon) {
      const others = (users.get(m.source) ?? []).filter((id) => id !== rec.id);
      if (others.length === 0 && readMeta(ctx, m.source)?.anonymous)
        await removeOne(ctx, m.source, new Map());
    }
  });
}

export interface PruneVolumesOptions {
  /** Named volumes too (`volume prune -a`); by default only anonymous ones, as Docker 23+. */
  all?: boolean;
  filter?: (v: VolumeInfo) => boolean;
}

/** `volume prune`: removes the volumes no container uses. */
export async function pruneVolumes(
  ctx: RuntimeContext,
  opts: PruneVolumesOptions = {},
): Promise<{ deleted: string[]; spaceReclaimed: number }> {
  return withVolumesLock(ctx, async () => {
    const users = await volumeUsers(ctx);
    const unused = (await listVolumes(ctx)).filter(
      (v) =>
        !users.has(v.Name) &&
        (opts.all === true || v.Labels?.[ANONYMOUS_LABEL] !== undefined) &&
        (opts.filter?.(v) ?? true),
    );
    // What `system df` counts of them (their files' bytes), as Docker reports a prune.
    let spaceReclaimed = 0;
    for (const v of unused) spaceReclaimed += await contentBytes(v.Mountpoint);
    for (const v of unused) await removeOne(ctx, v.Name, users);
    return { deleted: unused.map((v) => v.Name), spaceReclaimed };
  });
}

/** Each volume's size (`system df -v`, `volume ls --format {{.Size}}`). */
export async function volumeSizes(ctx: RuntimeContext, names: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const n of names) out.set(n, await contentBytes(volumeDataPath(ctx, n)));
  return out;
}

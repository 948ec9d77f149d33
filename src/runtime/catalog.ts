/** All the containers of a root: listing, lookup by ID, prefix or name, and allocation of new ones. */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { randomHex } from "../digest/index.js";
import { errnoCode, WharfError } from "../errors/index.js";
import { containerDir, containersDir, ID_RE, locksDir } from "./layout.js";
import { generateName, nameConflict, validateName } from "./names.js";
import { type Pack, packChanged, readPack, withRootLock } from "./pack.js";
import { noSuchContainer, readDirRecord, readRecordRaw, writeRecord } from "./store.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

async function dirIds(ctx: RuntimeContext): Promise<string[]> {
  try {
    return readdirSync(containersDir(ctx)).filter((n) => ID_RE.test(n));
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return [];
    throw e;
  }
}

/** The IDs of every container directory and pack entry. */
export async function listIds(ctx: RuntimeContext): Promise<string[]> {
  const [dirs, pack] = await Promise.all([dirIds(ctx), readPack(ctx)]);
  return [...new Set([...dirs, ...Object.keys(pack.entries)])];
}

/**
 * Every record as it is on disk, a directory's record winning over a pack entry of the same ID.
 * Without the root lock (`locked`), records may move between the pack and their directories
 * while this reads: the pack is read before and (when it changed) after the directories, and an
 * entry that has left the pack meanwhile is looked for in its directory again, so that none is
 * missed. Under the root lock the pack cannot change, and one read is enough.
 */
export async function listRecordsRaw(
  ctx: RuntimeContext,
  opts: { locked?: boolean } = {},
): Promise<ContainerRecord[]> {
  const before = await readPack(ctx);
  const out = new Map<string, ContainerRecord>();
  for (const id of await dirIds(ctx)) {
    const rec = await readDirRecord(ctx, id);
    if (rec) out.set(id, rec);
  }
  const after: Pack = opts.locked || !(await packChanged(ctx, before)) ? before : await readPack(ctx);
  for (const [id, rec] of Object.entries(after.entries)) if (!out.has(id)) out.set(id, rec);
  if (after !== before) {
    for (const id of Object.keys(before.entries)) {
      if (out.has(id)) continue;
      const rec = await readDirRecord(ctx, id);
      if (rec) out.set(id, rec);
    }
  }
  return [...out.values()];
}

/** Finds a container by full ID, name (with or without `/`), or unique ID prefix, as Docker does. */
export async function resolveId(ctx: RuntimeContext, ref: string): Promise<string> {
  if (ref === "") throw noSuchContainer(ref);
  if (ID_RE.test(ref) && (await readRecordRaw(ctx, ref))) return ref;
  const recs = await listRecordsRaw(ctx);
  const name = ref.startsWith("/") ? ref.slice(1) : ref;
  const named = recs.find((r) => r.name === name);
  if (named) return named.id;
  const matches = /^[0-9a-f]+$/.test(ref) ? recs.filter((r) => r.id.startsWith(ref)) : [];
  if (matches.length > 1) {
    throw new WharfError("conflict", `multiple IDs found with provided prefix: ${ref}`, {
      hint: "give more characters of the ID, or the name",
    });
  }
  const found = matches[0];
  if (found === undefined) throw noSuchContainer(ref);
  return found.id;
}

/**
 * Fails when a container (live or exited) already has the name `wanted`: checked before a
 * container's root filesystem is made, so that a taken `--name` fails first, as Docker's does.
 * `allocateContainer` checks again under the lock.
 */
export async function checkNameFree(ctx: RuntimeContext, wanted: string): Promise<void> {
  const name = validateName(wanted);
  const holder = (await listRecordsRaw(ctx)).find((r) => r.name === name);
  if (holder) throw nameConflict(name, holder.id);
}

/** A fresh container ID: 64 hex digits, never all digits in its short form (Docker's rule). */
export function newContainerId(): string {
  let id = randomHex(32);
  // Docker avoids all-digit short IDs, which read as numbers.
  while (/^[0-9]+$/.test(id.slice(0, 12))) id = randomHex(32);
  return id;
}

/**
 * Makes a new container's directory and record under the root's lock, for `id` (`newContainerId`):
 * the requested name (refused if taken, by a live or an exited container) or a generated one.
 * `build` gets the name and directory.
 */
export async function allocateContainer(
  ctx: RuntimeContext,
  id: string,
  wanted: string | undefined,
  build: (name: string, dir: string) => ContainerRecord,
): Promise<ContainerRecord> {
  const requested = wanted === undefined ? undefined : validateName(wanted);
  // Makes `containers/` too, for the root lock.
  mkdirSync(locksDir(ctx), { recursive: true });
  return withRootLock(ctx, async () => {
    const names = new Map<string, string>();
    for (const rec of await listRecordsRaw(ctx, { locked: true })) names.set(rec.name, rec.id);
    if (requested !== undefined) {
      const holder = names.get(requested);
      if (holder !== undefined) throw nameConflict(requested, holder);
    }
    const name = requested ?? generateName((n) => names.has(n));
    const dir = containerDir(ctx, id);
    mkdirSync(dir, { recursive: true, mode: 0o710 });
    const rec = build(name, dir);
    try {
      await writeRecord(ctx, rec);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    return rec;
  });
}

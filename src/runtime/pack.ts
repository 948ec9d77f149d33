/**
 * The pack: the records of exited containers in one file, `<root>/containers/exited.json`, so that a
 * stopped container costs a share of one file's blocks instead of a directory and a record file of
 * its own (4 KiB each on ext4). Written atomically (temp file, fsync, rename) under the root lock;
 * read without a lock. Synchronous calls, as for the records (`store.ts`).
 */
import {
  closeSync,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
} from "node:fs";
import { join } from "node:path";
import { errnoCode, WharfError } from "../errors/index.js";
import { fsyncDir, withLock, writeFileAtomicSync } from "../files/index.js";
import { containerDir, containersDir, packPath, rootLockPath } from "./layout.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

export type PackEntries = Record<string, ContainerRecord>;

export interface Pack {
  entries: PackEntries;
  /** Identifies the file's version (inode, size, times); empty when there is no pack. */
  stamp: string;
}

function stampOf(st: { ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint }): string {
  return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

function corrupt(ctx: RuntimeContext, cause?: unknown): WharfError {
  return new WharfError("corrupt", `the records of exited containers (${packPath(ctx)}) are not valid JSON`, {
    hint: "restore the file from a backup, or remove it to forget the exited containers",
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** Reads the pack (an empty one when there is none). */
export async function readPack(ctx: RuntimeContext): Promise<Pack> {
  let fd: number;
  try {
    fd = openSync(packPath(ctx), "r");
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return { entries: {}, stamp: "" };
    throw e;
  }
  let text: string;
  let stamp: string;
  try {
    stamp = stampOf(fstatSync(fd, { bigint: true }));
    text = readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch (e) {
    throw corrupt(ctx, e);
  }
  if (typeof entries !== "object" || entries === null || Array.isArray(entries)) throw corrupt(ctx);
  return { entries: entries as PackEntries, stamp };
}

/** True when the pack on disk is no longer the version `p` was read from. */
export async function packChanged(ctx: RuntimeContext, p: Pack): Promise<boolean> {
  try {
    return stampOf(statSync(packPath(ctx), { bigint: true })) !== p.stamp;
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return p.stamp !== "";
    throw e;
  }
}

/** One record a line, so that the file stays readable and small (no indentation). */
function serialize(entries: PackEntries): string {
  const lines = Object.entries(entries).map(([id, rec]) => `${JSON.stringify(id)}:${JSON.stringify(rec)}`);
  return `{\n${lines.join(",\n")}\n}\n`;
}

/** Replaces the pack (call under the root lock); an empty pack is removed. */
async function writePack(ctx: RuntimeContext, entries: PackEntries): Promise<void> {
  // Owner only: records hold the containers' environments (Docker's config.v2.json is 0600 too).
  if (Object.keys(entries).length > 0)
    return writeFileAtomicSync(packPath(ctx), serialize(entries), { mode: 0o600 });
  try {
    rmSync(packPath(ctx));
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return;
    throw e;
  }
  await fsyncDir(containersDir(ctx));
}

/** Runs `fn` holding the root's lock (`<root>/containers/.lock`). */
export function withRootLock<T>(ctx: RuntimeContext, fn: () => Promise<T>): Promise<T> {
  return withLock(rootLockPath(ctx), fn);
}

/**
 * Changes the pack under the root lock: `change` edits the entries in place and says whether it
 * changed anything (only then is the file written). `after` runs still under the lock, once the
 * new pack is on disk.
 */
export async function changePack(
  ctx: RuntimeContext,
  change: (entries: PackEntries) => boolean,
  after?: () => Promise<void>,
): Promise<void> {
  await withRootLock(ctx, async () => {
    const { entries } = await readPack(ctx);
    if (change(entries)) await writePack(ctx, entries);
    await after?.();
  });
}

/** Drops the entries of `ids` from the pack, rewriting it once (not at all when none is there). */
export async function dropFromPack(ctx: RuntimeContext, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await changePack(ctx, (entries) => {
    let changed = false;
    for (const id of ids) {
      if (!(id in entries)) continue;
      delete entries[id];
      changed = true;
    }
    return changed;
  });
}

/**
 * Removes the directory of a packed container when nothing of value is left in it: only an empty
 * json-file log, an empty `shim.log`, or nothing. A log with output, anonymous volumes or any other
 * file keep it. Call under the container's lock.
 */
export async function tidyDir(ctx: RuntimeContext, id: string): Promise<void> {
  const dir = containerDir(ctx, id);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const disposable = new Set([`${id}-json.log`, "shim.log"]);
  for (const n of names) {
    if (!disposable.has(n)) return;
    const st = lstatSync(join(dir, n), { throwIfNoEntry: false });
    if (st && (!st.isFile() || st.size > 0)) return;
  }
  for (const n of names) rmSync(join(dir, n), { force: true });
  // Not recursive: anything written meanwhile keeps the directory.
  try {
    rmdirSync(dir);
  } catch {}
}

/**
 * Container records. A live container's (created, running, or about to start) is its own file,
 * `<dir>/config.json`; an exited one's is an entry of the pack (`pack.ts`), and its directory goes
 * when nothing of value is left in it. Moves between the two happen under the container's lock,
 * then the root's (always in that order), and never leave a moment when neither place has it.
 * Records are small and read or written a few times by every container command: with synchronous
 * calls, which cost a tenth of a thread-pool round trip each.
 */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { errnoCode, WharfError } from "../errors/index.js";
import { acquireLock, writeFileAtomicSync } from "../files/index.js";
import { containerDir, containerLockPath, locksDir, recordPath } from "./layout.js";
import { changePack, readPack, tidyDir } from "./pack.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

export { containerDir, containersDir, runcRoot } from "./layout.js";

export function noSuchContainer(ref: string): WharfError {
  return new WharfError("container-not-found", `No such container: ${ref}`, {
    hint: "`wharf ps -a` lists the containers",
  });
}

/** The record in the container's directory, if there is one there. */
export async function readDirRecord(ctx: RuntimeContext, id: string): Promise<ContainerRecord | undefined> {
  let text: string;
  try {
    text = readFileSync(recordPath(ctx, id), "utf8");
  } catch (e) {
    if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as ContainerRecord;
  } catch (e) {
    throw new WharfError("corrupt", `the record of container ${id} is not valid JSON`, { cause: e });
  }
}

/**
 * Finds a record and says where it is: the directory first, else the pack, else the directory
 * once more (a record moved back from the pack between the two reads).
 */
export async function locateRecord(
  ctx: RuntimeContext,
  id: string,
): Promise<{ rec: ContainerRecord; packed: boolean } | undefined> {
  const inDir = await readDirRecord(ctx, id);
  if (inDir) return { rec: inDir, packed: false };
  const packed = (await readPack(ctx)).entries[id];
  if (packed) return { rec: packed, packed: true };
  const again = await readDirRecord(ctx, id);
  return again ? { rec: again, packed: false } : undefined;
}

/** Reads a record as it is on disk (no reconciliation); undefined when there is none. */
export async function readRecordRaw(ctx: RuntimeContext, id: string): Promise<ContainerRecord | undefined> {
  return (await locateRecord(ctx, id))?.rec;
}

/**
 * Writes a record into the container's directory atomically (temp file, rename): a reader sees the
 * old or the new one. Flushed to disk (fsync) unless the container is removed when it ends
 * (`--rm`): such a record is gone by the time a power cut could matter, and the flushes cost more
 * than anything else in its run.
 */
export async function writeRecord(ctx: RuntimeContext, rec: ContainerRecord): Promise<void> {
  const text = `${JSON.stringify(rec, null, 2)}\n`;
  writeFileAtomicSync(recordPath(ctx, rec.id), text, { flush: rec.options.autoRemove !== true });
}

/** Takes the container's lock (`<root>/containers/.locks/<id>`); returns the release function. */
export async function acquireContainerLock(ctx: RuntimeContext, id: string): Promise<() => Promise<void>> {
  const path = containerLockPath(ctx, id);
  try {
    return await acquireLock(path);
  } catch (e) {
    if (errnoCode(e) !== "ENOENT") throw e;
  }
  // A root made before the locks moved out of the containers' directories.
  mkdirSync(locksDir(ctx), { recursive: true });
  return acquireLock(path);
}

/** Runs `fn` holding the container's lock. */
export async function withContainerLock<T>(
  ctx: RuntimeContext,
  id: string,
  fn: () => Promise<T>,
): Promise<T> {
  const release = await acquireContainerLock(ctx, id);
  try {
    return await fn();
  } finally {
    await release();
  }
}

/**
 * Whether a record belongs in the pack: an exited container that is not removed at its end and
 * that no monitor is starting or watching.
 */
export function packable(rec: ContainerRecord): boolean {
  return rec.state === "exited" && rec.options.autoRemove !== true && rec.monitorPid === undefined;
}

export interface UpdateOptions {
  /**
   * The container is about to start (`claim`): its record stays in, or comes back to, its
   * directory, which is made again if it went, whatever the record's state.
   */
  live?: boolean;
}

/** Pack first, then the directory's record goes: a reader finds one or the other throughout. */
async function moveToPack(ctx: RuntimeContext, rec: ContainerRecord): Promise<void> {
  await changePack(
    ctx,
    (entries) => {
      entries[rec.id] = rec;
      return true;
    },
    async () => rmSync(recordPath(ctx, rec.id), { force: true }),
  );
  await tidyDir(ctx, rec.id);
}

/** The directory's record first (the directory made again), then the pack's entry goes. */
async function moveToDir(ctx: RuntimeContext, rec: ContainerRecord): Promise<void> {
  mkdirSync(containerDir(ctx, rec.id), { recursive: true, mode: 0o710 });
  await writeRecord(ctx, rec);
  await changePack(ctx, (entries) => rec.id in entries && delete entries[rec.id]);
}

/**
 * Changes a record under its lock: `fn` gets the current record and returns the new one (or
 * undefined to leave it). Returns the record as it is afterwards. The record moves into the pack
 * when it becomes `packable`, and back to its directory when it no longer is (or with `live`).
 */
export async function updateRecord(
  ctx: RuntimeContext,
  id: string,
  fn: (rec: ContainerRecord) => ContainerRecord | undefined | Promise<ContainerRecord | undefined>,
  opts: UpdateOptions = {},
): Promise<ContainerRecord> {
  return withContainerLock(ctx, id, async () => {
    const found = await locateRecord(ctx, id);
    if (!found) throw noSuchContainer(id);
    const next = await fn(found.rec);
    const rec = next ?? found.rec;
    const toPack = opts.live !== true && packable(rec);
    if (!found.packed && !toPack) {
      if (next !== undefined) await writeRecord(ctx, next);
    } else if (found.packed && toPack) {
      if (next !== undefined) {
        await changePack(ctx, (entries) => {
          entries[id] = next;
          return true;
        });
      }
    } else if (toPack) {
      await moveToPack(ctx, rec);
    } else {
      await moveToDir(ctx, rec);
    }
    return rec;
  });
}

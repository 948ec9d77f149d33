import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode, WharfError } from "../errors/index.js";
import { tempPathFor, withLock, writeFileAtomic } from "../files/index.js";
import { generateName, nameConflict, validateName } from "./names.js";
import type { ContainerRecord, RuntimeContext } from "./types.js";

const ID_RE = /^[0-9a-f]{64}$/;

export function containersDir(ctx: RuntimeContext): string {
  return join(ctx.root, "containers");
}

export function containerDir(ctx: RuntimeContext, id: string): string {
  return join(containersDir(ctx), id);
}

/** runc's own state directory, apart from any other runc user's. */
export function runcRoot(ctx: RuntimeContext): string {
  return join(ctx.root, "runc");
}

function recordPath(ctx: RuntimeContext, id: string): string {
  return join(containerDir(ctx, id), "config.json");
}

export function noSuchContainer(ref: string): WharfError {
  return new WharfError("container-not-found", `No such container: ${ref}`, {
    hint: "`wharf ps -a` lists the containers",
  });
}

/** Reads a record as it is on disk (no reconciliation); undefined when there is none. */
export async function readRecordRaw(ctx: RuntimeContext, id: string): Promise<ContainerRecord | undefined> {
  let text: string;
  try {
    text = await readFile(recordPath(ctx, id), "utf8");
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
 * Writes a record atomically (temp file, rename): a reader sees the old or the new one. Flushed to
 * disk (fsync) unless the container is removed when it ends (`--rm`): such a record is gone by
 * the time a power cut could matter, and the flushes cost more than anything else in its run.
 */
export async function writeRecord(ctx: RuntimeContext, rec: ContainerRecord): Promise<void> {
  const path = recordPath(ctx, rec.id);
  const text = `${JSON.stringify(rec, null, 2)}\n`;
  if (!rec.options.autoRemove) return writeFileAtomic(path, text);
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, text, { flag: "wx" });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Runs `fn` holding the container's lock. */
export function withContainerLock<T>(ctx: RuntimeContext, id: string, fn: () => Promise<T>): Promise<T> {
  return withLock(join(containerDir(ctx, id), ".lock"), fn);
}

/**
 * Changes a record under its lock: `fn` gets the current record and returns the new one (or
 * undefined to leave it). Returns the record as it is afterwards.
 */
export async function updateRecord(
  ctx: RuntimeContext,
  id: string,
  fn: (rec: ContainerRecord) => ContainerRecord | undefined | Promise<ContainerRecord | undefined>,
): Promise<ContainerRecord> {
  return withContainerLock(ctx, id, async () => {
    const rec = await readRecordRaw(ctx, id);
    if (!rec) throw noSuchContainer(id);
    const next = await fn(rec);
    if (next === undefined) return rec;
    await writeRecord(ctx, next);
    return next;
  });
}

export async function listIds(ctx: RuntimeContext): Promise<string[]> {
  try {
    return (await readdir(containersDir(ctx))).filter((n) => ID_RE.test(n));
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return [];
    throw e;
  }
}

export async function listRecordsRaw(ctx: RuntimeContext): Promise<ContainerRecord[]> {
  const out: ContainerRecord[] = [];
  for (const id of await listIds(ctx)) {
    const rec = await readRecordRaw(ctx, id);
    if (rec) out.push(rec);
  }
  return out;
}

/** Finds a container by full ID, name (with or without `/`), or unique ID prefix, as Docker does. */
export async function resolveId(ctx: RuntimeContext, ref: string): Promise<string> {
  if (ref === "") throw noSuchContainer(ref);
  const ids = await listIds(ctx);
  if (ids.includes(ref)) return ref;
  const name = ref.startsWith("/") ? ref.slice(1) : ref;
  for (const id of ids) {
    const rec = await readRecordRaw(ctx, id);
    if (rec?.name === name) return id;
  }
  const matches = /^[0-9a-f]+$/.test(ref) ? ids.filter((id) => id.startsWith(ref)) : [];
  if (matches.length > 1) {
    throw new WharfError("conflict", `multiple IDs found with provided prefix: ${ref}`, {
      hint: "give more characters of the ID, or the name",
    });
  }
  const found = matches[0];
  if (found === undefined) throw noSuchContainer(ref);
  return found;
}

/**
 * Makes a new container's directory and record under the root's lock: a fresh 64-hex ID, the
 * requested name (refused if taken) or a generated one. `build` gets the ID, name and directory.
 */
export async function allocateContainer(
  ctx: RuntimeContext,
  wanted: string | undefined,
  build: (id: string, name: string, dir: string) => ContainerRecord,
): Promise<ContainerRecord> {
  const requested = wanted === undefined ? undefined : validateName(wanted);
  await mkdir(containersDir(ctx), { recursive: true });
  return withLock(join(containersDir(ctx), ".lock"), async () => {
    const names = new Map<string, string>();
    for (const rec of await listRecordsRaw(ctx)) names.set(rec.name, rec.id);
    if (requested !== undefined) {
      const holder = names.get(requested);
      if (holder !== undefined) throw nameConflict(requested, holder);
    }
    const name = requested ?? generateName((n) => names.has(n));
    let id = randomBytes(32).toString("hex");
    // Docker avoids all-digit short IDs, which read as numbers.
    while (/^[0-9]+$/.test(id.slice(0, 12))) id = randomBytes(32).toString("hex");
    const dir = containerDir(ctx, id);
    await mkdir(dir, { recursive: true, mode: 0o710 });
    const rec = build(id, name, dir);
    try {
      await writeRecord(ctx, rec);
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    return rec;
  });
}

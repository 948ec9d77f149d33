import { appendFileSync, mkdirSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ContentStore } from "../content/index.js";
import { type Digest, isDigest, uniqueSuffix } from "../digest/index.js";
import { errnoCode } from "../errors/index.js";
import { processAlive, removeFile } from "../files/index.js";

/**
 * A lease: the digests one `Images` instance committed or found present, kept from garbage
 * collection until the instance releases it or its process dies. It covers the time between a pull
 * storing blobs and recording the name that reaches them. One file per instance under
 * `<root>/tmp/leases/<pid>-<random>`, a digest per line, appended before the blob is committed.
 */
export interface Lease {
  readonly file: string;
  add(d: Digest): Promise<void>;
  release(): Promise<void>;
}

export async function createLease(dir: string): Promise<Lease> {
  // Synchronous calls: a lease line is a few bytes, written on every command's way.
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${process.pid}-${uniqueSuffix()}`);
  const held = new Set<Digest>();
  // Made by the first add: a command that stores nothing never writes (a read-only root works).
  let made = false;
  return {
    file,
    async add(d) {
      if (held.has(d)) return;
      held.add(d);
      try {
        appendFileSync(file, `${d}\n`);
      } catch (e) {
        // A read-only root: nothing can collect what this command reads (`save`), so no lease.
        if (errnoCode(e) === "EROFS") return;
        throw e;
      }
      made = true;
    },
    async release() {
      held.clear();
      if (made) removeFile(file);
      made = false;
    },
  };
}

/** The digests held by live leases other than `except`; leases of dead processes are removed. */
export async function leasedDigests(dir: string, except?: string): Promise<Set<Digest>> {
  const out = new Set<Digest>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return out;
    throw e;
  }
  for (const name of names) {
    const file = join(dir, name);
    if (file === except) continue;
    const pid = Number.parseInt(name, 10);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (!processAlive(pid)) {
      await rm(file, { force: true });
      continue;
    }
    const text = await readFile(file, "utf8").catch(() => "");
    for (const line of text.split("\n")) if (isDigest(line)) out.add(line);
  }
  return out;
}

/**
 * Wraps a store so that every digest committed through it, or reported present by `info`, is
 * leased first (a blob is never visible before its lease line is written).
 */
export function leasedStore(inner: ContentStore, lease: Lease): ContentStore {
  return {
    async info(d) {
      if ((await inner.info(d)) === undefined) return undefined;
      await lease.add(d);
      // Checked again after leasing: a collection that ran in between may have removed it.
      return inner.info(d);
    },
    read: (d, opts) => inner.read(d, opts),
    async ingest(ref) {
      const w = await inner.ingest(ref);
      return {
        ref: w.ref,
        offset: w.offset,
        write: (chunk) => w.write(chunk),
        async commit(expected) {
          await lease.add(expected.digest);
          return w.commit(expected);
        },
        close: () => w.close(),
        abort: () => w.abort(),
      };
    },
    delete: (d) => inner.delete(d),
    walk: () => inner.walk(),
  };
}

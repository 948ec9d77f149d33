import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extract, pack } from "tar-stream";
import type { Bytes } from "../../../digest/index.js";

/** A temp dir removed by `close`. */
export async function tempDir(prefix: string): Promise<{ dir: string; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, close: () => rm(dir, { recursive: true, force: true }) };
}

/** A whole (small) stream in memory: for tests only. */
export async function bytesOfStream(src: Bytes): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of src) parts.push(c);
  return Buffer.concat(parts);
}

/** A (small) tar of `files` (name → body; the `blobs` directories are left implicit). */
export async function makeTar(files: Map<string, Buffer>): Promise<Buffer> {
  const p = pack();
  const parts: Buffer[] = [];
  const done = (async () => {
    for await (const c of p as unknown as AsyncIterable<Buffer>) parts.push(c);
  })();
  for (const [name, body] of files) {
    if (/^blobs(\/sha256)?\/?$/.test(name)) continue;
    await new Promise<void>((res, rej) =>
      p.entry({ name, mode: 0o644, mtime: new Date(0) }, body, (e) => (e ? rej(e) : res())),
    );
  }
  p.finalize();
  await done;
  return Buffer.concat(parts);
}

/** The entries of a (small) tar: name → body, in order. */
export async function tarEntries(tar: Buffer): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const ex = extract();
  const done = (async () => {
    for await (const e of ex) {
      const parts: Buffer[] = [];
      for await (const c of e) parts.push(c as Buffer);
      out.set(e.header.name, Buffer.concat(parts));
    }
  })();
  ex.end(tar);
  await done;
  return out;
}

/**
 * Everything a wharf root's store holds, for comparing a store before and after a command: each
 * blob's name with a hash of its bytes, `index.json` verbatim, and what is left in `tmp/ingest`.
 */
export function storeListing(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(dir, n);
      const r = rel ? `${rel}/${n}` : n;
      if (statSync(p).isDirectory()) walk(p, r);
      else out.push(`${r} ${createHash("sha256").update(readFileSync(p)).digest("hex").slice(0, 16)}`);
    }
  };
  walk(join(root, "store"), "store");
  walk(join(root, "tmp", "ingest"), "tmp/ingest");
  return out;
}

import { mkdir, readFile, rm } from "node:fs/promises";
import { get as httpGet } from "node:http";
import { get as httpsGet } from "node:https";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Digest, hexOf } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { writeFileAtomic } from "../files/index.js";

/** Signatures read from one lookaside location at most (containers/image stops at the first gap too). */
const MAX_SIGNATURES = 128;
const SIGNATURE_LIMIT = 4 * 1024 * 1024;

/**
 * The lookaside (formerly "sigstore") layout of containers-registries.d(5):
 * `<base>/<repository path>@<algorithm>=<hex>/signature-<n>`, n counting from 1.
 */
export function lookasidePath(repoPath: string, digest: Digest, n: number): string {
  return `${repoPath}@${digest.slice(0, digest.indexOf(":"))}=${hexOf(digest)}/signature-${n}`;
}

function httpFetch(url: string): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith("https:") ? httpsGet : httpGet;
    const req = get(url, (res) => {
      if (res.statusCode === 404) {
        res.resume();
        resolve(undefined);
        return;
      }
      if (res.statusCode !== 200) {
        res.resume();
        reject(new WharfError("network", `lookaside ${url}: HTTP ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let n = 0;
      res.on("data", (c: Buffer) => {
        n += c.length;
        if (n > SIGNATURE_LIMIT)
          req.destroy(new WharfError("network", `lookaside ${url}: signature too large`));
        else chunks.push(c);
      });
      res.on("end", () => resolve(Buffer.concat(chunks)));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

async function readOne(base: string, rel: string): Promise<Buffer | undefined> {
  const b = base.replace(/\/+$/, "");
  if (b.startsWith("file://")) {
    try {
      return await readFile(join(fileURLToPath(b), rel));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }
  if (b.startsWith("http://") || b.startsWith("https://")) return httpFetch(`${b}/${rel}`);
  throw new WharfError("config-invalid", `lookaside ${base} is not a file://, http:// or https:// URL`, {
    hint: "fix the lookaside URL in registries.d",
  });
}

/** Every signature stored for `digest` of `repoPath` at a lookaside URL (file://, http://, https://). */
export async function readLookaside(base: string, repoPath: string, digest: Digest): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let n = 1; n <= MAX_SIGNATURES; n++) {
    const sig = await readOne(base, lookasidePath(repoPath, digest, n));
    if (sig === undefined) break;
    out.push(sig);
  }
  return out;
}

function writableRoot(base: string): string {
  if (!base.startsWith("file://")) {
    throw new WharfError(
      "config-invalid",
      `cannot write signatures to ${base}: only file:// lookaside locations are writable`,
      {
        hint: "set lookaside-staging to a file:// URL in registries.d and publish that directory",
      },
    );
  }
  return fileURLToPath(base.replace(/\/+$/, ""));
}

/**
 * Removes the signatures `drop` selects from a file:// lookaside, renumbering those kept to
 * `signature-1..k` in their order: readers (containers/image, wharf) stop at the first missing
 * number, so a gap would hide every signature after it. Each kept one moves only to a lower number
 * (a file already read or dropped), each write atomic, the tail removed last: stopped half way,
 * the directory holds every kept signature (one may be there twice), never fewer. Returns how many
 * were removed.
 */
export async function removeLookaside(
  base: string,
  repoPath: string,
  digest: Digest,
  drop: (sig: Buffer, n: number) => Promise<boolean>,
): Promise<number> {
  const root = writableRoot(base);
  const all = await readLookaside(base, repoPath, digest);
  const keep: Buffer[] = [];
  for (const [i, sig] of all.entries()) if (!(await drop(sig, i + 1))) keep.push(sig);
  if (keep.length === all.length) return 0;
  for (const [i, sig] of keep.entries()) {
    if (sig === all[i]) continue;
    await writeFileAtomic(join(root, lookasidePath(repoPath, digest, i + 1)), sig);
  }
  for (let n = all.length; n > keep.length; n--) {
    await rm(join(root, lookasidePath(repoPath, digest, n)), { force: true });
  }
  return all.length - keep.length;
}

/** Adds a signature at the first free `signature-<n>` of a file:// lookaside; returns its path. */
export async function writeLookaside(
  base: string,
  repoPath: string,
  digest: Digest,
  sig: Uint8Array,
): Promise<string> {
  const root = writableRoot(base);
  const existing = await readLookaside(base, repoPath, digest);
  const path = join(root, lookasidePath(repoPath, digest, existing.length + 1));
  await mkdir(join(path, ".."), { recursive: true });
  await writeFileAtomic(path, sig);
  return path;
}

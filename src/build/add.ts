import { spawn } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { join, posix } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { applyLayer } from "../archive/index.js";
import { type Bytes, type Digest, Digester, randomHex } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { getUrl, header } from "../remote/index.js";

export const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** Git sources of ADD (BuildKit clones them): `git@...`, `git://...`, `https://...*.git[#ref]`. */
export const isGit = (s: string) => /^git@|^git:\/\/|^https?:\/\/\S+\.git(#.*)?$/i.test(s);

export interface Download {
  path: string;
  size: number;
  digest: Digest;
  /** The file's name in the image: the URL path's last part, else `__unnamed__` (BuildKit). */
  name: string;
  /** From Last-Modified, else the epoch of the Unix clock, as BuildKit sets it. */
  mtime: Date;
}

/** Downloads `url` into `dir` while hashing it; `--checksum=sha256:...` is verified. */
export async function download(
  url: string,
  dir: string,
  checksum?: string,
  signal?: AbortSignal,
  env?: NodeJS.ProcessEnv,
): Promise<Download> {
  if (checksum !== undefined && !/^sha256:[0-9a-f]{64}$/.test(checksum)) {
    throw new WharfError("invalid-argument", `invalid checksum ${checksum}: expected sha256:<64 hex>`, {
      hint: "write ADD --checksum=sha256:<the file's 64-hex sha256> URL DEST",
    });
  }
  let res: Awaited<ReturnType<typeof getUrl>>;
  try {
    res = await getUrl(new URL(url), { ...(signal ? { signal } : {}), ...(env ? { env } : {}) });
  } catch (e) {
    throw new WharfError("network", `failed to load ${url}: ${(e as Error).message}`, {
      cause: e,
      hint: "check the URL and that this machine reaches it (a proxy: HTTPS_PROXY, HTTP_PROXY, NO_PROXY)",
    });
  }
  const path = join(dir, `download-${randomHex(6)}`);
  const d = new Digester();
  try {
    if (res.status < 200 || res.status > 299) {
      res.discard();
      throw new WharfError("not-found", `invalid response status ${res.status} for ${url}`, {
        hint: "check the URL of the ADD source",
      });
    }
    await mkdir(dir, { recursive: true });
    const body = res.body as Readable;
    body.on("data", (c: Buffer) => d.update(c));
    await pipeline(body, createWriteStream(path, { mode: 0o600 }));
  } finally {
    res.close();
  }
  const digest = d.digest();
  if (checksum !== undefined && checksum !== digest) {
    throw new WharfError("digest-invalid", `digest mismatch ${digest}: ${checksum}`, {
      hint: "the file at the URL changed, or --checksum is wrong",
    });
  }
  const base = posix.basename(new URL(url).pathname);
  const lm = header(res, "last-modified");
  const mtime = lm && !Number.isNaN(Date.parse(lm)) ? new Date(Date.parse(lm)) : new Date(0);
  return {
    path,
    size: d.size,
    digest,
    name: base && base !== "/" && base !== "." ? base : "__unnamed__",
    mtime,
  };
}

export type ArchiveKind = "tar" | "gzip" | "bzip2" | "xz";

/** What ADD extracts, by the file's first bytes as Docker detects it; undefined: copied as is. */
export async function archiveKind(path: string): Promise<ArchiveKind | undefined> {
  const fh = await open(path, "r");
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    const b = head.subarray(0, bytesRead);
    if (b[0] === 0x1f && b[1] === 0x8b) return "gzip";
    if (b.subarray(0, 3).toString("latin1") === "BZh") return "bzip2";
    if (b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return "xz";
    if (b.length >= 262 && b.subarray(257, 262).toString("latin1") === "ustar") return "tar";
    return undefined;
  } finally {
    await fh.close();
  }
}

async function* decompressWith(cmd: string, path: string): Bytes {
  const child = spawn(cmd, ["-dc", path], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<number>((res) => {
    child.on("error", () => res(127));
    child.on("close", (code) => res(code ?? 1));
  });
  for await (const c of child.stdout) yield c as Buffer;
  const code = await exited;
  if (code !== 0) {
    throw new WharfError(
      "corrupt",
      `cannot decompress ${posix.basename(path)} with ${cmd}: ${err.trim() || `status ${code}`}`,
      {
        hint:
          code === 127
            ? `install ${cmd} (apt-get install -y ${cmd === "xz" ? "xz-utils" : cmd})`
            : "check the archive",
      },
    );
  }
}

/** Extracts a local archive into `dir` (an existing directory) with the layer applier's safety rules. */
export async function extractArchive(path: string, kind: ArchiveKind, dir: string): Promise<void> {
  const src: Bytes =
    kind === "bzip2"
      ? decompressWith("bzip2", path)
      : kind === "xz"
        ? decompressWith("xz", path)
        : createReadStream(path);
  await applyLayer(src, { target: dir });
}

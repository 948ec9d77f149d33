import { spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import type { Bytes } from "../digest/index.js";
import { errnoCode, WharfError } from "../errors/index.js";
import { drained } from "../files/index.js";
import { decompressed } from "./decompress.js";

/** What an archive (a root filesystem tar, a `save` archive) may be compressed with. */
export type ArchiveCompression = "none" | "gzip" | "bzip2" | "xz" | "zstd";

const MAGIC: [ArchiveCompression, number[]][] = [
  ["gzip", [0x1f, 0x8b]],
  ["bzip2", [0x42, 0x5a, 0x68]],
  ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ["zstd", [0x28, 0xb5, 0x2f, 0xfd]],
];

/** The compression of a stream judged by its first bytes (as Docker's `DetectCompression`). */
export function detectCompression(head: Uint8Array): ArchiveCompression {
  for (const [kind, magic] of MAGIC) if (magic.every((b, i) => head[i] === b)) return kind;
  return "none";
}

/** The Debian tool that decodes each format Node's zlib cannot, and its package. */
const TOOLS: Record<"bzip2" | "xz" | "zstd", { cmd: string; pkg: string }> = {
  bzip2: { cmd: "bzip2", pkg: "bzip2" },
  xz: { cmd: "xz", pkg: "xz-utils" },
  zstd: { cmd: "zstd", pkg: "zstd" },
};

async function pump(src: Bytes, sink: Writable): Promise<void> {
  for await (const chunk of src) {
    if (sink.destroyed) return;
    if (!sink.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          sink.off("drain", done);
          sink.off("close", done);
          resolve();
        };
        sink.on("drain", done);
        sink.on("close", done);
      });
    }
  }
  sink.end();
}

/**
 * Decodes `src` with `<tool> -dc`, streamed through the child's stdin and stdout (bounded by the
 * pipes' buffers: nothing is held whole). A missing tool, a tool that fails (corrupt input) and
 * an input that ends early are errors; the child is killed when the consumer stops early.
 */
async function* throughTool(kind: "bzip2" | "xz" | "zstd", src: Bytes): Bytes {
  const { cmd, pkg } = TOOLS[kind];
  const child = spawn(cmd, ["-dc"], { stdio: ["pipe", "pipe", "pipe"] });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    if (stderr.length < 4096) stderr += c.toString("utf8");
  });
  const ended = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  try {
    await spawned;
  } catch (e) {
    if (errnoCode(e) === "ENOENT") {
      throw new WharfError(
        "unsupported",
        `${kind}-compressed input needs the ${cmd} program, which is not installed`,
        {
          hint: `install it (as root: apt-get install -y ${pkg}), or decompress the file first`,
        },
      );
    }
    throw e;
  }
  let feedError: unknown;
  child.stdin.on("error", () => {});
  const feed = pump(src, child.stdin).catch((e: unknown) => {
    feedError = e;
    child.kill("SIGKILL");
  });
  let finished = false;
  try {
    for await (const chunk of child.stdout as Readable) yield chunk as Buffer;
    finished = true;
  } finally {
    if (!finished) child.kill("SIGKILL");
    await feed;
  }
  const code = await ended;
  if (feedError !== undefined) throw feedError;
  if (code !== 0) {
    const why = stderr.trim().split("\n").pop() || `exit status ${code}`;
    throw new WharfError("corrupt", `the input is not valid ${kind} data: ${why}`, {
      hint: "check that the file is complete and not damaged",
    });
  }
}

/**
 * The uncompressed bytes of an archive, whatever it was compressed with, judged by its first bytes:
 * gzip with Node's zlib; bzip2, xz and zstd through Debian's `bzip2`, `xz` and `zstd` programs
 * (Node 20's zlib decodes none of them); anything else is passed through as it is.
 */
export async function* decompressAny(src: Bytes): Bytes {
  const it = src[Symbol.asyncIterator]();
  let head = await it.next();
  while (!head.done && head.value.byteLength === 0) head = await it.next();
  if (head.done) return;
  let first = head.value;
  // Six bytes decide; a first chunk shorter than that is joined with the next ones.
  while (first.byteLength < 6) {
    const more = await it.next();
    if (more.done) break;
    first = Buffer.concat([first, more.value]);
  }
  const rest: Bytes = (async function* () {
    yield first;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  })();
  const kind = detectCompression(first);
  if (kind === "none" || kind === "gzip") yield* decompressed(rest);
  else yield* throughTool(kind, rest);
}

/**
 * Passes a tar through unchanged while checking that it is one: every header parsed (tar-stream),
 * every entry's body drained. Fails at the end (or at the first bad header) with `corrupt`, so
 * that what consumes it (an image import) can refuse to keep it.
 */
export async function* checkedTar(src: Bytes): Bytes {
  const { extract } = await import("tar-stream");
  const ex = extract();
  let failure: unknown;
  const done = (async () => {
    try {
      for await (const entry of ex) for await (const _ of entry);
    } catch (e) {
      failure = e;
    }
  })();
  let bytes = 0;
  for await (const chunk of src) {
    bytes += chunk.byteLength;
    if (failure !== undefined) break;
    if (!ex.write(chunk)) await drained(ex);
    yield chunk;
  }
  ex.end(undefined);
  await done;
  if (failure !== undefined || bytes === 0) {
    const why = failure instanceof Error ? failure.message : "it is empty";
    throw new WharfError("corrupt", `the input is not a tar archive: ${why}`, {
      hint: "give a root filesystem as a tar (plain, gzip, bzip2, xz or zstd)",
    });
  }
}

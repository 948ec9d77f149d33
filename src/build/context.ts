import { readFileSync } from "node:fs";
import { mkdir, readFile, rm, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { applyLayer } from "../archive/index.js";
import { type Bytes, randomHex } from "../digest/index.js";
import { createDockerignoreMatcher, dockerignoreCandidates, parseDockerignore } from "../dockerfile/index.js";
import { errnoCode, WharfError } from "../errors/index.js";
import { fetchRemoteContext, isRemoteContext } from "./remote-context.js";
import type { PathFilter } from "./select.js";

/** The build's inputs on disk: the context tree, the Dockerfile's text, the .dockerignore filter. */
export interface BuildContext {
  /** The context directory; undefined for a lone Dockerfile read from stdin (no context). */
  dir: string | undefined;
  dockerfile: { name: string; text: string };
  /** The Dockerfile's path when it is a file (for `<Dockerfile>.dockerignore`). */
  dockerfilePath: string | undefined;
  filter: PathFilter | undefined;
  /** True when the context was unpacked from stdin, or fetched, into a temporary directory. */
  temporary: boolean;
  close(): Promise<void>;
}

export interface ContextOptions {
  root: string;
  context: string;
  file?: string;
  stdin?: NodeJS.ReadableStream;
  /** For a remote context: git's and the download's environment (proxies). */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

async function readAll(src: AsyncIterable<Uint8Array | string> | NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of src as AsyncIterable<Uint8Array | string>) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

/** What stdin holds: a tar (plain or gzip) or a Dockerfile, judged by its first bytes as Docker does. */
async function sniffStdin(
  src: NodeJS.ReadableStream,
): Promise<{ kind: "tar" | "text"; stream: Bytes; head: Buffer }> {
  const it = (src as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < 512 && !done) {
    const r = await it.next();
    if (r.done) done = true;
    else head = Buffer.concat([head, Buffer.from(r.value)]);
  }
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  const tar = head.length >= 262 && head.subarray(257, 262).toString("latin1") === "ustar";
  const stream = (async function* () {
    yield new Uint8Array(head);
    if (done) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield new Uint8Array(Buffer.from(r.value));
  })();
  return { kind: gzip || tar ? "tar" : "text", stream, head };
}

function noDockerfile(path: string): WharfError {
  return new WharfError("not-found", `failed to read dockerfile: open ${path}: no such file or directory`, {
    hint: "name the Dockerfile with -f, or put one at the root of the build context",
  });
}

/**
 * Opens the build context: a directory (the Dockerfile from `-f`, relative to the working
 * directory as the docker CLI takes it, else `<context>/Dockerfile`), or `-`: stdin holding a tar
 * context (plain or gzip; unpacked into `<root>/tmp`) or a lone Dockerfile (no context), or a
 * remote one (remote-context.ts; fetched into `<root>/tmp`, `-f` then inside it, as Docker reads
 * it). The ignore file is `<Dockerfile>.dockerignore` when present, else `<context>/.dockerignore`.
 */
export async function openContext(o: ContextOptions): Promise<BuildContext> {
  let dir: string | undefined;
  let temporary = false;
  let lone: string | undefined;
  // What close removes: the temporary context, or the whole fetch (a subdirectory's repository).
  let scratch: string | undefined;
  if (isRemoteContext(o.context)) {
    const into = join(o.root, "tmp", `build-context-${process.pid}-${randomHex(6)}`);
    const remote = await fetchRemoteContext(o.context, into, o.env ?? process.env, o.signal);
    if (remote.kind === "text") lone = remote.text;
    else {
      dir = remote.dir;
      scratch = remote.root;
      temporary = true;
    }
  } else if (o.context === "-") {
    if (!o.stdin) {
      throw new WharfError("usage", "the context is - but nothing can be read from stdin", {
        hint: "pipe a tar of the context (or a Dockerfile) into wharf build -",
      });
    }
    const { kind, stream } = await sniffStdin(o.stdin);
    if (kind === "text") {
      // The stream yields the sniffed head first: read it whole, once.
      lone = (await readAll(stream)).toString("utf8");
    } else {
      dir = join(o.root, "tmp", `build-context-${process.pid}-${randomHex(6)}`);
      await mkdir(dir, { recursive: true });
      temporary = true;
      scratch = dir;
      await applyLayer(stream, { target: dir });
    }
  } else {
    dir = resolve(o.context);
    const st = await stat(dir).catch((e: unknown) => {
      if (errnoCode(e) === "ENOENT")
        throw new WharfError("not-found", `unable to prepare context: path "${o.context}" not found`, {
          hint: "give the build context as a directory, or - for stdin",
        });
      throw e;
    });
    if (!st.isDirectory()) {
      throw new WharfError(
        "invalid-argument",
        `unable to prepare context: context must be a directory: ${dir}`,
        {
          hint: "give the directory that holds your files, or - to read a tar from stdin",
        },
      );
    }
  }
  const close = async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  };
  try {
    let text: string;
    let path: string | undefined;
    let name = "Dockerfile";
    if (lone !== undefined) text = lone;
    else if (o.file === "-") {
      if (!o.stdin) {
        throw new WharfError("usage", "-f - needs the Dockerfile on stdin", {
          hint: "pipe the Dockerfile into wharf build -f - PATH",
        });
      }
      text = (await readAll(o.stdin)).toString("utf8");
    } else {
      path =
        o.file === undefined
          ? join(dir as string, "Dockerfile")
          : temporary
            ? join(dir as string, o.file)
            : resolve(o.file);
      name = basename(path);
      text = await readFile(path, "utf8").catch((e: unknown) => {
        if (errnoCode(e) === "ENOENT" || errnoCode(e) === "EISDIR") throw noDockerfile(path as string);
        throw e;
      });
    }
    let filter: PathFilter | undefined;
    if (dir) {
      for (const candidate of dockerignoreCandidates({ dockerfile: path, contextDir: dir })) {
        let ignoreText: string;
        try {
          ignoreText = readFileSync(candidate, "utf8");
        } catch {
          continue;
        }
        const m = createDockerignoreMatcher(parseDockerignore(ignoreText));
        filter = { excludes: (rel) => m.matches(rel), mayReadmit: (rel) => m.mayContainExceptions(rel) };
        break;
      }
    }
    return { dir, dockerfile: { name, text }, dockerfilePath: path, filter, temporary, close };
  } catch (e) {
    await close();
    throw e;
  }
}

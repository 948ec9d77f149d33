import { execFile } from "node:child_process";
import { chmod, lchown, link, lstat, lutimes, mkdir, readdir, rm, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import type { Header } from "tar-stream";
import { errnoCode, WharfError } from "../errors/index.js";
import { writeNewFile } from "./new-file.js";
import { entryComponents, resolveInRoot } from "./paths.js";

const run = promisify(execFile);

/** An entry's content, read once. */
export type Body = AsyncIterable<unknown>;

export const WHITEOUT_PREFIX = ".wh.";
export const OPAQUE_MARKER = ".wh..wh..opq";

/** What one layer's application remembers between entries. */
export interface LayerState {
  readonly root: string;
  /** Host paths this layer wrote, and every ancestor of them (kept by whiteouts of this layer). */
  readonly keep: Set<string>;
  /** Directory mtimes, set at the end because writing a child changes its parent's. */
  readonly dirTimes: Map<string, Date>;
  readonly warn: (message: string) => void;
  readonly asRoot: boolean;
}

export function newLayerState(root: string, warn: (m: string) => void): LayerState {
  const asRoot = process.getuid?.() === 0;
  return { root, keep: new Set(), dirTimes: new Map(), warn, asRoot };
}

function remember(state: LayerState, path: string): void {
  for (let p = path; p.length > state.root.length && !state.keep.has(p); p = dirname(p)) state.keep.add(p);
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return undefined;
    throw e;
  }
}

/** Removes everything under `dir` that this layer did not write: lower content is hidden. */
async function prune(state: LayerState, dir: string): Promise<void> {
  const st = await lstatOrUndefined(dir);
  if (!st?.isDirectory()) return;
  for (const name of await readdir(dir)) {
    const p = join(dir, name);
    if (!state.keep.has(p)) await rm(p, { recursive: true, force: true });
    else await prune(state, p);
  }
}

/** Makes the parent directory exist: tars may omit directory entries. */
async function ensureParent(state: LayerState, parent: string): Promise<void> {
  if (parent === state.root) return;
  const st = await lstatOrUndefined(parent);
  if (st?.isDirectory()) return;
  if (st) throw new WharfError("corrupt", `layer writes below ${parent}, which is not a directory`);
  await ensureParent(state, dirname(parent));
  await mkdir(parent, { mode: 0o755 });
  remember(state, parent);
}

/** Clears the way for a new entry at `path`, keeping an existing directory when one is wanted. */
async function clear(path: string, keepDir: boolean): Promise<boolean> {
  const st = await lstatOrUndefined(path);
  if (!st) return false;
  if (keepDir && st.isDirectory()) return true;
  await rm(path, { recursive: true, force: true });
  return false;
}

async function owner(state: LayerState, path: string, h: Header): Promise<void> {
  if (state.asRoot) await lchown(path, h.uid ?? 0, h.gid ?? 0);
}

function permissions(h: Header): number {
  return (h.mode ?? 0o644) & 0o7777;
}

async function writeFile(state: LayerState, path: string, h: Header, body: Body): Promise<void> {
  await clear(path, false);
  await writeNewFile(path, body, {
    ...(state.asRoot ? { owner: { uid: h.uid ?? 0, gid: h.gid ?? 0 } } : {}),
    mode: permissions(h),
    mtime: h.mtime ?? new Date(0),
  });
}

async function makeNode(state: LayerState, path: string, h: Header, name: string): Promise<boolean> {
  if (!state.asRoot) {
    state.warn(`skipped ${h.type} ${name}: creating device nodes needs root`);
    return false;
  }
  await clear(path, false);
  const mode = permissions(h).toString(8);
  const args =
    h.type === "fifo"
      ? ["-m", mode, path, "p"]
      : [
          "-m",
          mode,
          path,
          h.type === "block-device" ? "b" : "c",
          String(h.devmajor ?? 0),
          String(h.devminor ?? 0),
        ];
  try {
    await run("mknod", args);
  } catch (e) {
    state.warn(`skipped ${h.type} ${name}: mknod failed (${(e as Error).message.split("\n")[0]})`);
    return false;
  }
  await owner(state, path, h);
  const t = h.mtime ?? new Date(0);
  await lutimes(path, t, t);
  return true;
}

async function hardLink(state: LayerState, path: string, h: Header, name: string): Promise<void> {
  const linkname = h.linkname ?? "";
  const parts = entryComponents(linkname);
  if (parts.length === 0) throw new WharfError("corrupt", `hard link ${name} has no target`);
  const from = await resolveInRoot(state.root, parts, { name: linkname });
  const st = await lstatOrUndefined(from);
  if (!st || st.isDirectory()) {
    throw new WharfError(
      "corrupt",
      `hard link ${name} points to ${linkname}, which is not a file in the layer`,
    );
  }
  if (from === path) return;
  await clear(path, false);
  await link(from, path);
}

/** AUFS's own metadata (`.wh..wh.plnk`, `.wh..wh.aufs`, ...): not whiteouts, skipped as Docker does. */
const AUFS_META_PREFIX = `${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`;

/**
 * Applies a whiteout entry: `.wh.<name>` hides the lower `<name>`, `.wh..wh..opq` its directory's
 * lower content. A whiteout must name one entry of its own directory: an empty name, `.`, `..` or a
 * name with a separator or NUL would hide the directory itself or its parent, so the layer is refused.
 */
async function whiteout(state: LayerState, parent: string, base: string, entry: string): Promise<void> {
  if (base === OPAQUE_MARKER) {
    await prune(state, parent);
    return;
  }
  if (base.startsWith(AUFS_META_PREFIX)) {
    state.warn(`skipped ${entry}: AUFS metadata, not a whiteout`);
    return;
  }
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) {
    throw new WharfError("corrupt", `layer entry ${JSON.stringify(entry)} is a whiteout of no valid name`, {
      hint: "the layer is invalid (a whiteout may hide only one entry of its own directory); it was refused",
    });
  }
  const target = join(parent, name);
  // A whiteout applies to lower layers only: what this layer wrote stays, but a directory it kept
  // loses its lower content.
  if (state.keep.has(target)) await prune(state, target);
  else await rm(target, { recursive: true, force: true });
}

/** Applies one tar entry below `state.root`. The body must be consumed (or is drained here). */
export async function applyEntry(state: LayerState, h: Header, body: Body): Promise<void> {
  const parts = entryComponents(h.name);
  const drain = async () => {
    for await (const _ of body);
  };
  if (parts.length === 0) {
    if (h.type === "directory") {
      await owner(state, state.root, h);
      await chmod(state.root, permissions(h));
      state.dirTimes.set(state.root, h.mtime ?? new Date(0));
    }
    return drain();
  }
  const base = parts[parts.length - 1] as string;
  const parent = await resolveInRoot(state.root, parts.slice(0, -1), { followLast: true, name: h.name });
  await ensureParent(state, parent);
  const path = join(parent, base);
  if (base.startsWith(WHITEOUT_PREFIX)) {
    await drain();
    return whiteout(state, parent, base, h.name);
  }
  switch (h.type) {
    case "directory": {
      if (!(await clear(path, true))) await mkdir(path, { mode: 0o700 });
      await owner(state, path, h);
      await chmod(path, permissions(h));
      state.dirTimes.set(path, h.mtime ?? new Date(0));
      break;
    }
    case "file":
    case "contiguous-file":
      await writeFile(state, path, h, body);
      break;
    case "symlink": {
      await clear(path, false);
      await symlink(h.linkname ?? "", path);
      await owner(state, path, h);
      const t = h.mtime ?? new Date(0);
      await lutimes(path, t, t);
      break;
    }
    case "link":
      await hardLink(state, path, h, h.name);
      break;
    case "character-device":
    case "block-device":
    case "fifo":
      if (!(await makeNode(state, path, h, h.name))) return drain();
      break;
    default:
      state.warn(`skipped ${h.name}: unsupported tar entry type ${h.type}`);
      return drain();
  }
  remember(state, path);
  await drain();
}

/** Sets directory mtimes deepest first, once every entry is written. */
export async function finishLayer(state: LayerState): Promise<void> {
  const dirs = [...state.dirTimes].sort((a, b) => b[0].length - a[0].length);
  for (const [dir, t] of dirs) {
    const st = await lstatOrUndefined(dir);
    if (st?.isDirectory()) await lutimes(dir, t, t);
  }
}

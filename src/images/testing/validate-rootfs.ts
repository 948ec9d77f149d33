import { createReadStream } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extract, type Header } from "tar-stream";
import { decompressed } from "../../archive/decompress.js";
import type { ContentStore } from "../../content/index.js";
import { type Bytes, type Digest, Digester } from "../../digest/index.js";
import { type Descriptor, layerCompression } from "../../oci/index.js";
import { hashBlob } from "./validate-blob.js";

/** One entry of a tree, as far as the comparison goes: type, a file's size and content, a link's target. */
type Entry =
  | { type: "dir" }
  | { type: "file"; size: number; digest: Digest }
  | { type: "symlink"; target: string }
  | { type: "other" };

type Tree = Map<string, Entry>;

export interface RootfsImage {
  content: ContentStore;
  /** The manifest's layers, bottom first. */
  layers: readonly Descriptor[];
  /** The config's `rootfs.diff_ids`. */
  diffIds: readonly Digest[];
}

async function hashStream(src: Bytes): Promise<{ digest: Digest; size: number }> {
  const d = new Digester();
  for await (const c of src) d.update(c);
  return { size: d.size, digest: d.digest() };
}

function clean(name: string): string {
  return name
    .split("/")
    .filter((p) => p !== "" && p !== ".")
    .join("/");
}

/** `p` with the symlinks of its directories (and of its last part, with `followLast`) resolved inside the tree. */
function resolve(tree: Tree, p: string, followLast: boolean, depth = 0): string {
  if (depth > 40) throw new Error(`too many symlinks resolving ${p}`);
  const parts = p.split("/").filter((x) => x !== "" && x !== ".");
  let out: string[] = [];
  parts.forEach((part, i) => {
    if (part === "..") {
      out.pop();
      return;
    }
    const e = tree.get([...out, part].join("/"));
    if (e?.type === "symlink" && (i < parts.length - 1 || followLast)) {
      const target = e.target.startsWith("/") ? e.target : [...out, e.target].join("/");
      out = resolve(tree, target, true, depth + 1)
        .split("/")
        .filter(Boolean);
    } else out.push(part);
  });
  return out.join("/");
}

function removeTree(tree: Tree, p: string, keep: ReadonlySet<string>, self: boolean): void {
  for (const k of [...tree.keys()]) {
    if ((self && k === p) || k.startsWith(`${p}/`) || p === "") if (!keep.has(k)) tree.delete(k);
  }
}

/** Applies one layer's entries, in tar order, to the model (whiteouts hide only what lower layers made). */
async function applyModel(tree: Tree, layer: Bytes): Promise<void> {
  const added = new Set<string>();
  const ex = extract();
  const feed = pipeline(Readable.from(decompressed(layer)), ex);
  for await (const item of ex) {
    const h: Header = item.header;
    const { digest, size } = await hashStream(item as AsyncIterable<Uint8Array>);
    const name = clean(h.name);
    const slash = name.lastIndexOf("/");
    const dir = resolve(tree, slash < 0 ? "" : name.slice(0, slash), true);
    const base = name.slice(slash + 1);
    const at = dir === "" ? base : `${dir}/${base}`;
    if (base === ".wh..wh..opq") {
      removeTree(tree, dir, added, false);
      continue;
    }
    if (base.startsWith(".wh.")) {
      removeTree(tree, dir === "" ? base.slice(4) : `${dir}/${base.slice(4)}`, added, true);
      continue;
    }
    if (name === "") continue;
    let entry: Entry;
    if (h.type === "directory") entry = { type: "dir" };
    else if (h.type === "symlink") entry = { type: "symlink", target: h.linkname ?? "" };
    else if (h.type === "link") {
      const target = tree.get(resolve(tree, clean(h.linkname ?? ""), false));
      if (target === undefined) throw new Error(`hard link ${name} to a missing ${h.linkname}`);
      entry = target;
    } else if (h.type === "file" || h.type === "contiguous-file") entry = { type: "file", size, digest };
    else entry = { type: "other" };
    const parts = at.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      if (tree.get(parent)?.type !== "dir") {
        tree.set(parent, { type: "dir" });
        added.add(parent);
      }
    }
    if (entry.type !== "dir" || tree.get(at)?.type !== "dir") {
      removeTree(tree, at, new Set(), true);
      tree.set(at, entry);
    }
    added.add(at);
  }
  await feed;
}

async function readTree(dir: string, tree: Tree = new Map(), prefix = ""): Promise<Tree> {
  for (const name of await readdir(dir)) {
    const p = join(dir, name);
    const key = prefix === "" ? name : `${prefix}/${name}`;
    const st = await lstat(p);
    if (st.isDirectory()) {
      tree.set(key, { type: "dir" });
      await readTree(p, tree, key);
    } else if (st.isSymbolicLink()) tree.set(key, { type: "symlink", target: await readlink(p) });
    else if (st.isFile()) tree.set(key, { type: "file", ...(await hashStream(createReadStream(p))) });
    else tree.set(key, { type: "other" });
  }
  return tree;
}

/**
 * Validates an unpacked root filesystem against its image's layers: each layer blob re-hashed
 * (digest and size) and its diff ID recomputed against the config's; then the tree that applying
 * the layers in order makes (whiteouts, opaque directories, hard links, writes through the
 * symlinks of lower layers), modelled here independently of `archive/`'s applier, is compared with
 * `dir`: the same paths, types, file sizes and contents, and symlink targets. `ignore` names
 * paths (with what is under them) that are not the image's: an init layer's mount points. Throws one Error listing
 * every difference.
 */
export async function validateRootfs(
  dir: string,
  image: RootfsImage,
  opts: { ignore?: readonly string[] } = {},
): Promise<{ layers: number; entries: number }> {
  const problems: string[] = [];
  if (image.layers.length !== image.diffIds.length) {
    problems.push(`${image.layers.length} layers but ${image.diffIds.length} diff IDs`);
  }
  const want: Tree = new Map();
  for (const [i, l] of image.layers.entries()) {
    const h = await hashBlob(
      await image.content.read(l.digest),
      l.digest,
      layerCompression(l.mediaType) ?? "gzip",
    );
    if (h.digest !== l.digest) problems.push(`layer ${i}: its bytes hash to ${h.digest}, not ${l.digest}`);
    if (h.size !== l.size) problems.push(`layer ${i}: ${h.size} bytes, its descriptor says ${l.size}`);
    if (h.diffId !== image.diffIds[i])
      problems.push(`layer ${i}: diff ID ${h.diffId}, the config says ${image.diffIds[i]}`);
    await applyModel(want, await image.content.read(l.digest));
  }
  const have = await readTree(dir);
  const ignored = (p: string) => opts.ignore?.some((i) => p === i || p.startsWith(`${i}/`)) ?? false;
  for (const [p, w] of want) {
    if (ignored(p)) continue;
    const h = have.get(p);
    if (h === undefined) problems.push(`${p}: missing from ${dir}`);
    else if (JSON.stringify(h) !== JSON.stringify(w))
      problems.push(`${p}: ${JSON.stringify(h)}, the layers make ${JSON.stringify(w)}`);
  }
  for (const p of have.keys())
    if (!want.has(p) && !ignored(p)) problems.push(`${p}: in ${dir}, not in the layers`);
  if (problems.length > 0) throw new Error(`rootfs validation failed:\n  ${problems.join("\n  ")}`);
  return { layers: image.layers.length, entries: want.size };
}

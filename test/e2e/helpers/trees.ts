import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { run } from "./tools.js";

/** One entry of an unpacked image, as the comparison sees it (times are left out). */
export interface TreeEntry {
  type: "file" | "dir" | "symlink" | "other";
  mode: string;
  owner: string;
  /** sha256 of a file's bytes, a symlink's target. */
  content: string;
}

/** Unpacks `layout:ref` with umoci (an independent unpacker) into `bundle`; returns its rootfs. */
export async function unpackWithUmoci(layout: string, ref: string, bundle: string): Promise<string> {
  await run("umoci", ["unpack", "--image", `${layout}:${ref}`, bundle]);
  return join(bundle, "rootfs");
}

/** Every path under `root` (relative, `/`-rooted) with its type, mode, owner and content. */
export function readTree(root: string): Map<string, TreeEntry> {
  const out = new Map<string, TreeEntry>();
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const abs = join(dir, name);
      const path = `${rel}/${name}`;
      const st = lstatSync(abs);
      const mode = (st.mode & 0o7777).toString(8).padStart(4, "0");
      const owner = `${st.uid}:${st.gid}`;
      if (st.isSymbolicLink())
        out.set(path, { type: "symlink", mode: "", owner, content: readlinkSync(abs) });
      else if (st.isDirectory()) {
        out.set(path, { type: "dir", mode, owner, content: "" });
        walk(abs, path);
      } else if (st.isFile()) {
        const sha = createHash("sha256").update(readFileSync(abs)).digest("hex");
        out.set(path, { type: "file", mode, owner, content: sha });
      } else out.set(path, { type: "other", mode, owner, content: "" });
    }
  };
  walk(root, "");
  return out;
}

const show = (e: TreeEntry | undefined) =>
  e ? `${e.type} ${e.mode} ${e.owner}${e.content ? ` ${e.content.slice(0, 16)}` : ""}` : "absent";

/** The differences between two trees, one line each: `path: <a> | <b>`. */
export function diffTrees(a: Map<string, TreeEntry>, b: Map<string, TreeEntry>): string[] {
  const out: string[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(path);
    const y = b.get(path);
    if (show(x) !== show(y)) out.push(`${path}: ${show(x)} | ${show(y)}`);
  }
  return out;
}

import { lstat, readlink } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode, WharfError } from "../errors/index.js";

/** Linux follows at most 40 symlinks in one lookup; more than that is a loop. */
const MAX_SYMLINKS = 40;

function refused(name: string, why: string): WharfError {
  return new WharfError("corrupt", `layer entry ${JSON.stringify(name)} ${why}`, {
    hint: "the layer tries to write outside its target; it was refused and nothing was written outside",
  });
}

/**
 * The components of a tar entry's name, relative to the target: a leading `/` and `.` components
 * are dropped, and a `..` component is refused. The empty list is the target itself.
 */
export function entryComponents(name: string): string[] {
  const parts: string[] = [];
  for (const p of name.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") throw refused(name, "has a '..' component");
    if (p.includes("\0")) throw refused(name, "has a NUL byte");
    parts.push(p);
  }
  return parts;
}

/**
 * Resolves `components` inside `root` as if `root` were `/` (the container's view), following the
 * symlinks found along the way, like a chroot lookup. A symlink that climbs above the root through
 * `..` is refused rather than clamped: a layer that writes through such a link is hostile or broken.
 * The last component is followed only when `followLast` is set. With `clamp`, a `..` at the root
 * stays at the root, as in a real chroot (`docker cp`'s paths: a container's own symlinks are
 * resolved in its root, never refused). Returns the host path; components that do not exist yet are
 * appended as they are.
 */
export async function resolveInRoot(
  root: string,
  components: readonly string[],
  opts: { followLast?: boolean; name?: string; clamp?: boolean } = {},
): Promise<string> {
  const name = opts.name ?? components.join("/");
  const todo = [...components];
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const part = todo.shift() as string;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (done.length === 0 && opts.clamp) continue;
      if (done.length === 0) throw refused(name, "resolves through a symlink that points outside");
      done.pop();
      continue;
    }
    const isLast = todo.length === 0;
    const host = join(root, ...done, part);
    let target: string | undefined;
    try {
      const st = await lstat(host);
      if (st.isSymbolicLink() && (!isLast || opts.followLast)) target = await readlink(host);
    } catch (e) {
      if (errnoCode(e) !== "ENOENT" && errnoCode(e) !== "ENOTDIR") throw e;
    }
    if (target === undefined) {
      done.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw refused(name, "resolves through too many symlinks");
    if (target.startsWith("/")) done.length = 0;
    todo.unshift(...target.split("/"));
  }
  return join(root, ...done);
}

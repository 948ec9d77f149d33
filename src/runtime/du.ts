import type { Dirent } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * The bytes of the files under `path` as Docker counts a volume or a container's changes
 * (`SizeRw`): regular files' sizes and symlinks' lengths (a file linked twice once), not the
 * directories' own blocks. `system df` shows these, and the prunes report them as reclaimed.
 */
export async function contentBytes(path: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (p: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(p, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const q = join(p, e.name);
      if (e.isDirectory()) {
        await walk(q);
        continue;
      }
      const st = await lstat(q).catch(() => undefined);
      if (!st || !(st.isFile() || st.isSymbolicLink())) continue;
      if (st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      total += st.size;
    }
  };
  await walk(path);
  return total;
}

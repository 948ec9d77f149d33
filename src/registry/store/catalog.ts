import { REPOSITORIES } from "../layout.js";
import { baseName, listIfExists, type Store } from "./store.js";

/**
 * Every repository name, sorted: directories under `repositories/` that hold manifests or layers
 * (a repository with only a started upload is not listed yet).
 */
export async function listRepositories(store: Store): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const children = await listIfExists(store.driver, dir);
    const names = children.map(baseName);
    if (prefix && names.some((n) => n === "_manifests" || n === "_layers")) out.push(prefix);
    for (const child of children) {
      const n = baseName(child);
      if (n.startsWith("_")) continue;
      await walk(child, prefix ? `${prefix}/${n}` : n);
    }
  };
  await walk(REPOSITORIES, "");
  return out.sort();
}

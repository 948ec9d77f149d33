import { STORAGE_OPTIONS } from "./schema.js";
import { deletePath, getPath, isObject, setPath, type Tree } from "./tree.js";
import type { FlagOverrides } from "./types.js";

/** Applies command-line flags to a config tree (after the environment): flags win. */
export function applyFlags(tree: Tree, f: FlagOverrides): void {
  if (f.addr !== undefined) setPath(tree, ["http", "addr"], f.addr);
  if (f.root !== undefined) {
    const storage = isObject(tree.storage) ? tree.storage : {};
    for (const k of Object.keys(storage))
      if (!STORAGE_OPTIONS.includes(k) && k !== "filesystem") delete storage[k];
    tree.storage = storage;
    setPath(tree, ["storage", "filesystem", "rootdirectory"], f.root);
  }
  if (f.tlsCert !== undefined) setPath(tree, ["http", "tls", "certificate"], f.tlsCert);
  if (f.tlsKey !== undefined) setPath(tree, ["http", "tls", "key"], f.tlsKey);
  if (f.delete) setPath(tree, ["storage", "delete", "enabled"], true);
  if (f.token) {
    if (!isObject(getPath(tree, ["wharf", "tokenserver"]))) setPath(tree, ["wharf", "tokenserver"], {});
    // The built-in issuer checks passwords itself; an htpasswd auth section becomes its account list.
    const basicPath = getPath(tree, ["auth", "htpasswd", "path"]);
    if (basicPath !== undefined && getPath(tree, ["wharf", "tokenserver", "htpasswd"]) === undefined) {
      setPath(tree, ["wharf", "tokenserver", "htpasswd"], basicPath);
    }
    deletePath(tree, ["auth", "htpasswd"]);
  }
  if (f.htpasswd !== undefined) {
    if (isObject(getPath(tree, ["wharf", "tokenserver"]))) {
      setPath(tree, ["wharf", "tokenserver", "htpasswd"], f.htpasswd);
    } else {
      const realm = getPath(tree, ["auth", "htpasswd", "realm"]);
      tree.auth = { htpasswd: { realm: realm ?? "basic-realm", path: f.htpasswd } };
    }
  }
  if (f.tokenKey !== undefined) setPath(tree, ["wharf", "tokenserver", "key"], f.tokenKey);
  if (f.anonymous) setPath(tree, ["wharf", "tokenserver", "anonymous"], true);
  if (f.logLevel !== undefined) setPath(tree, ["log", "level"], f.logLevel);
  if (f.logFormat !== undefined) setPath(tree, ["log", "formatter"], f.logFormat);
}

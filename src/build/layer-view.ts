import type { Stats } from "node:fs";
import { lstat, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ContentStore } from "../content/index.js";
import type { Digest } from "../digest/index.js";
import { errnoCode, WharfError } from "../errors/index.js";
import type { Descriptor } from "../oci/index.js";
import { ensureLayers, snapshotLayout } from "../rootfs/index.js";

/**
 * A read-only look at an image's files without mounting anything: the unpacked layers
 * (`<snapshots>/layers/<chain>/fs`), searched from the top down, a whiteout (char 0:0) hiding
 * what lies below. Used on a COPY's way (is the destination a directory, the metadata of its
 * parents, names for `--chown` from /etc/passwd and /etc/group). Symlinks among a path's parents
 * are not followed and opaque directories (an xattr Node cannot read) are not seen: both only
 * matter for paths an earlier layer replaced, and the answer is then the lower layer's.
 */
export interface LayerView {
  stat(path: string): Promise<Stats | undefined>;
  /** A small file's text (`""` when absent). */
  readText(path: string): Promise<string>;
}

async function lstatOr(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch (e) {
    const c = errnoCode(e);
    if (c === "ENOENT" || c === "ENOTDIR") return undefined;
    throw e;
  }
}

const whiteout = (st: Stats) => st.isCharacterDevice() && st.rdev === 0;

export async function openLayerView(o: {
  snapshots: string;
  store: ContentStore;
  layers: readonly Descriptor[];
  diffIds: readonly Digest[];
}): Promise<LayerView> {
  const layout = snapshotLayout(o.snapshots);
  const chain =
    o.layers.length === 0
      ? []
      : await ensureLayers({ layout, store: o.store, layers: o.layers, diffIds: o.diffIds });
  const dirs = chain.map((c) => layout.layerFs(c)).reverse();
  const stat = async (path: string): Promise<Stats | undefined> => {
    const parts = path.split("/").filter((p) => p !== "" && p !== ".");
    if (parts.length === 0) return dirs[0] ? lstatOr(dirs[0]) : undefined;
    for (const dir of dirs) {
      // A whiteout of the path or of a parent in this layer hides everything below it.
      let hidden = false;
      for (let i = 1; i < parts.length; i++) {
        const st = await lstatOr(join(dir, ...parts.slice(0, i)));
        if (st && (whiteout(st) || !st.isDirectory())) {
          hidden = true;
          break;
        }
        if (!st) break;
      }
      if (hidden) return undefined;
      const st = await lstatOr(join(dir, ...parts));
      if (st) return whiteout(st) ? undefined : st;
    }
    return undefined;
  };
  return {
    stat,
    async readText(path) {
      const parts = path.split("/").filter((p) => p !== "");
      for (const dir of dirs) {
        const st = await lstatOr(join(dir, ...parts));
        if (!st) continue;
        if (!st.isFile()) return "";
        return readFile(join(dir, ...parts), "utf8");
      }
      return "";
    },
  };
}

/** `user[:group]` as numbers, names looked up in the view's /etc/passwd and /etc/group (BuildKit's rule). */
export async function resolveChown(
  view: LayerView | undefined,
  spec: string,
): Promise<{ uid: number; gid: number }> {
  const [u = "", g] = spec.split(":", 2);
  const num = /^[0-9]+$/;
  const lookup = async (file: string, name: string): Promise<string[] | undefined> => {
    const text = view ? await view.readText(file) : "";
    return text
      .split("\n")
      .map((l) => l.split(":"))
      .find((f) => f[0] === name);
  };
  let uid: number;
  let gid: number | undefined;
  if (num.test(u)) uid = Number(u);
  else {
    const f = await lookup("/etc/passwd", u);
    if (!f || !num.test(f[2] ?? "")) throw chownError(`unable to find user ${u}`);
    uid = Number(f[2]);
    gid = Number(f[3]);
  }
  if (g !== undefined && g !== "") {
    if (num.test(g)) gid = Number(g);
    else {
      const f = await lookup("/etc/group", g);
      if (!f || !num.test(f[2] ?? "")) throw chownError(`unable to find group ${g}`);
      gid = Number(f[2]);
    }
  }
  // A user alone: its passwd group, or (numeric) the same number, as BuildKit does.
  return { uid, gid: gid ?? uid };
}

function chownError(msg: string): WharfError {
  return new WharfError(
    "invalid-argument",
    `${msg}: no matching entries in the image's passwd or group file`,
    {
      hint: "use a numeric --chown=UID:GID, or add the user to the image first",
    },
  );
}

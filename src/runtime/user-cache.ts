import { readdirSync, readFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode } from "../errors/index.js";
import type { PreparedRootfs } from "../rootfs/index.js";
import { containersDir } from "./store.js";
import type { RuntimeContext } from "./types.js";
import type { ExecUser } from "./user.js";

/**
 * The users an image's /etc/passwd and /etc/group resolve to, by the image's top chain ID (which
 * names the whole stack of layers, so the answer never changes): `<root>/containers/.users/<hex>.json`
 * maps each `--user` value ("" for the image's default) to its `ExecUser`. It lets a new container
 * start without its overlay mounted on the host (runc mounts it in the container); a miss is
 * resolved from the mounted tree and then remembered. Only failures are never cached.
 */
function cachePath(ctx: RuntimeContext, p: PreparedRootfs): string | undefined {
  const top = p.chainIds[p.chainIds.length - 1];
  if (p.mode !== "overlay" || top === undefined) return undefined;
  return join(containersDir(ctx), ".users", `${top.slice(top.indexOf(":") + 1)}.json`);
}

type Entries = Record<string, ExecUser>;

async function readEntries(path: string): Promise<Entries> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Entries;
  } catch {
    return {};
  }
}

/** Whether the container has changed nothing yet (its upper dir is empty), so the image's files hold. */
export async function upperEmpty(p: PreparedRootfs): Promise<boolean> {
  if (p.mode !== "overlay") return false;
  try {
    return readdirSync(join(p.dir, "upper")).length === 0;
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return true;
    throw e;
  }
}

export async function cachedUser(
  ctx: RuntimeContext,
  p: PreparedRootfs,
  spec: string | undefined,
): Promise<ExecUser | undefined> {
  const path = cachePath(ctx, p);
  if (!path) return undefined;
  return (await readEntries(path))[spec ?? ""];
}

/** Remembers a user resolved from the image's own files (the caller checks `upperEmpty` first). */
export async function rememberUser(
  ctx: RuntimeContext,
  p: PreparedRootfs,
  spec: string | undefined,
  user: ExecUser,
): Promise<void> {
  const path = cachePath(ctx, p);
  if (!path) return;
  const entries = await readEntries(path);
  entries[spec ?? ""] = user;
  const temp = `${path}.${process.pid}`;
  await mkdir(join(containersDir(ctx), ".users"), { recursive: true });
  await writeFile(temp, JSON.stringify(entries));
  await rename(temp, path);
}

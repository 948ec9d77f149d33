/**
 * Docker's `local` volume driver options (`volume create -o type=tmpfs -o device=tmpfs -o
 * o=size=64m`, `type=nfs`, `type=none,o=bind,device=/srv/data`): the filesystem is mounted on the
 * volume's `_data` when a container that uses it starts, and unmounted when the last such container
 * ends, as Docker's driver does with its reference count. Without a daemon to hold the count, the
 * users are a file beside the volume (`users.json`, container IDs), changed under the volumes lock.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { errnoCode, WharfError } from "../errors/index.js";
import { writeFileAtomicSync } from "../files/index.js";
import type { RuntimeContext } from "./types.js";

const run = promisify(execFile);

/** The options Docker's local driver takes (moby's `validOpts` and `mandatoryOpts`). */
export function checkVolumeOptions(
  name: string,
  opts: Record<string, string>,
): Record<string, string> | undefined {
  const keys = Object.keys(opts);
  if (keys.length === 0) return undefined;
  const bad = (why: string) => new WharfError("invalid-argument", `create ${name}: ${why}`);
  for (const k of keys) if (!["type", "device", "o", "size"].includes(k)) throw bad(`invalid option: "${k}"`);
  const needs: Record<string, string[]> = { device: ["type"], type: ["device"], o: ["device", "type"] };
  for (const k of keys) {
    for (const req of needs[k] ?? []) if (!(req in opts)) throw bad(`missing required option: "${req}"`);
  }
  if ("size" in opts) throw bad("quota size requested but no quota support");
  return { ...opts };
}

function volumeDir(ctx: RuntimeContext, name: string): string {
  return join(ctx.root, "volumes", name);
}

/** Whether `path` is a mount point (a line of /proc/self/mountinfo names it; octal escapes read). */
export function isMountPoint(path: string): boolean {
  const text = readFileSync("/proc/self/mountinfo", "utf8");
  for (const line of text.split("\n")) {
    const target = line.split(" ")[4];
    if (target === undefined) continue;
    if (
      target.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8))) === path
    ) {
      return true;
    }
  }
  return false;
}

function readUsers(ctx: RuntimeContext, name: string): string[] {
  try {
    return JSON.parse(readFileSync(join(volumeDir(ctx, name), "users.json"), "utf8")) as string[];
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return [];
    throw e;
  }
}

function writeUsers(ctx: RuntimeContext, name: string, users: string[]): void {
  writeFileAtomicSync(join(volumeDir(ctx, name), "users.json"), `${JSON.stringify(users)}\n`);
}

/** Mounts the volume's filesystem on `_data` unless it is mounted already (Docker's `mount()`). */
async function mountVolume(data: string, opts: Record<string, string>): Promise<void> {
  if (isMountPoint(data)) return;
  const args = ["-t", opts.type ?? "", ...(opts.o ? ["-o", opts.o] : []), "--", opts.device ?? "", data];
  try {
    await run("mount", args);
  } catch (e) {
    const detail = (
      ((e as { stderr?: string }).stderr ?? (e as Error).message).trim().split("\n")[0] ?? ""
    ).replace(/password=[^,\s]*/g, "password=********");
    throw new WharfError(
      "runtime",
      `error while mounting volume '${data}': failed to mount local volume: ${detail}`,
      {
        hint: "check the volume's options (`wharf volume inspect`): type, device and o are those of mount(8)",
      },
    );
  }
}

/** Unmounts `_data` when it is mounted; a busy mount is an error (nothing under it may be removed then). */
export async function unmountVolume(data: string): Promise<void> {
  if (!isMountPoint(data)) return;
  try {
    await run("umount", ["--", data]);
  } catch (e) {
    const detail = ((e as { stderr?: string }).stderr ?? (e as Error).message).trim();
    throw new WharfError("conflict", `cannot unmount volume '${data}': ${detail}`, {
      hint: "something on this host still uses the volume's mount",
    });
  }
}

/**
 * Container `id` starts with volume `name` (options `opts`): it is added to the users and the
 * filesystem is mounted if it is not. Called under the volumes lock.
 */
export async function acquireVolumeMount(
  ctx: RuntimeContext,
  name: string,
  opts: Record<string, string>,
  id: string,
): Promise<void> {
  const users = readUsers(ctx, name);
  await mountVolume(join(volumeDir(ctx, name), "_data"), opts);
  if (!users.includes(id)) writeUsers(ctx, name, [...users, id]);
}

/**
 * Container `id` has ended (or is gone): it leaves the users, and the last one out unmounts.
 * Called under the volumes lock.
 */
export async function releaseVolumeMount(ctx: RuntimeContext, name: string, id: string): Promise<void> {
  const users = readUsers(ctx, name);
  const left = users.filter((u) => u !== id);
  if (left.length === users.length && left.length > 0) return;
  if (left.length === 0) await unmountVolume(join(volumeDir(ctx, name), "_data"));
  writeUsers(ctx, name, left);
}

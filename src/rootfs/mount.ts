import { execFile } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { errnoCode, WharfError } from "../errors/index.js";

const run = promisify(execFile);

export interface OverlayMount {
  /** Lower directories, top-most first, relative to `cwd` (short names keep the option short). */
  lowers: readonly string[];
  /** Without upper and work dirs the mount is read-only and needs two lowers at least. */
  upper?: string;
  work?: string;
  merged: string;
  /** The directory the lower paths are relative to. */
  cwd: string;
}

/**
 * The kernel takes mount options in one page (4096 bytes). Lower paths are given relative to `cwd`
 * so that each costs ~20 bytes, which leaves room for a couple of hundred layers.
 */
const MAX_OPTIONS = 4000;

/** Options that keep an upper dir self-contained, so that it can later serve as a lower of any stack. */
const PLAIN = "index=off,redirect_dir=off,metacopy=off";

function checkPath(p: string): void {
  if (/[,:\n]/.test(p)) {
    throw new WharfError("invalid-argument", `an overlay path cannot contain ',' or ':': ${p}`, {
      hint: "choose a --root whose path has neither character",
    });
  }
}

/** The overlay's mount options (`lowerdir=…,upperdir=…,workdir=…,…`); undefined when too long. */
export function overlayOptions(m: OverlayMount): string | undefined {
  if (m.lowers.length === 0) throw new WharfError("internal", "an overlay mount needs a lower directory");
  const dirs = m.upper !== undefined && m.work !== undefined ? [m.upper, m.work] : [];
  for (const p of [...m.lowers, ...dirs, m.merged]) checkPath(p);
  const upper = m.upper !== undefined && m.work !== undefined;
  const rw = upper ? `upperdir=${resolve(m.upper as string)},workdir=${resolve(m.work as string)},` : "";
  const options = `lowerdir=${m.lowers.join(":")},${rw}${PLAIN}`;
  return options.length > MAX_OPTIONS ? undefined : options;
}

export async function mountOverlay(m: OverlayMount): Promise<void> {
  const options = overlayOptions(m);
  if (options === undefined) {
    throw new WharfError("unsupported", `too many layers for one overlay mount (${m.lowers.length})`, {
      hint: "squash the image into fewer layers",
    });
  }
  try {
    await run("mount", ["-t", "overlay", "overlay", "-o", options, resolve(m.merged)], { cwd: m.cwd });
  } catch (e) {
    const detail = (e as { stderr?: string }).stderr?.trim() || (e as Error).message;
    throw new WharfError("runtime", `cannot mount the overlay at ${m.merged}: ${detail}`, { cause: e });
  }
}

/** Mount points as /proc/self/mountinfo lists them (octal escapes decoded). */
async function mountPoints(): Promise<Set<string>> {
  const text = readFileSync("/proc/self/mountinfo", "utf8");
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    const field = line.split(" ")[4];
    if (field)
      out.add(field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))));
  }
  return out;
}

/** Whether `path` is a mount point. Compared by real path: mountinfo lists paths without symlinks. */
export async function isMounted(path: string): Promise<boolean> {
  let real: string;
  try {
    real = realpathSync.native(path);
  } catch (e) {
    if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return false;
    throw e;
  }
  return (await mountPoints()).has(real);
}

/** Unmounts `path` if it is a mount point; lazily when it is busy. */
export async function unmount(path: string): Promise<void> {
  let p: string;
  try {
    p = realpathSync.native(path);
  } catch {
    p = resolve(path);
  }
  while (await isMounted(p)) {
    try {
      await run("umount", [p]);
    } catch {
      await run("umount", ["-l", p]);
    }
  }
}

const probed = new Map<string, Promise<boolean>>();

/**
 * Whether overlayfs can be mounted with lowers and uppers on the filesystem of `dir` (not inside a
 * user namespace without privileges, not on a filesystem overlay refuses as upper). Cached per dir.
 */
export function overlaySupported(dir: string): Promise<boolean> {
  let p = probed.get(dir);
  if (!p) {
    p = probe(dir);
    probed.set(dir, p);
  }
  return p;
}

async function probe(dir: string): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  const t = await mkdtemp(join(dir, `${process.pid}-probe-`));
  try {
    for (const d of ["lower", "upper", "work", "merged"]) await mkdir(join(t, d));
    await mountOverlay({
      lowers: ["lower"],
      upper: join(t, "upper"),
      work: join(t, "work"),
      merged: join(t, "merged"),
      cwd: t,
    });
    await unmount(join(t, "merged"));
    return true;
  } catch {
    return false;
  } finally {
    await unmount(join(t, "merged")).catch(() => {});
    await rm(t, { recursive: true, force: true });
  }
}

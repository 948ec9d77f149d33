import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SmallDisk {
  /** The tmpfs's mount point. */
  dir: string;
  /** Gives it a new size (mount's syntax: `8m`), keeping what is on it. */
  resize(size: string): void;
  /** Shrinks it to what is used on it plus `slackKiB`: the next sizeable write fails. */
  tighten(slackKiB?: number): void;
  /** Unmounts and removes it. */
  close(): void;
}

/**
 * A tmpfs of `size` (mount's syntax: `256k`): a disk to fill (root only), on `at` (an existing
 * directory, left in place at the end) or on a new temp directory (removed at the end).
 */
export function smallDisk(size: string, at?: string): SmallDisk {
  const dir = at ?? mkdtempSync(join(tmpdir(), "wharf-small-disk-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  return {
    dir,
    resize: (s) => execFileSync("mount", ["-o", `remount,size=${s}`, dir]),
    tighten: (slackKiB = 32) => {
      const st = statfsSync(dir);
      const usedKiB = Math.ceil(((st.blocks - st.bfree) * st.bsize) / 1024);
      execFileSync("mount", ["-o", `remount,size=${usedKiB + slackKiB}k`, dir]);
    },
    close: () => {
      execFileSync("umount", ["-l", dir]);
      if (!at) rmSync(dir, { recursive: true, force: true });
    },
  };
}

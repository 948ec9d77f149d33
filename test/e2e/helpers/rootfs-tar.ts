import { execFileSync } from "node:child_process";
import { copyFile, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

const APPLETS = [
  "sh",
  "echo",
  "cat",
  "ls",
  "rm",
  "mkdir",
  "touch",
  "ln",
  "sleep",
  "true",
  "id",
  "stat",
  "test",
  "wc",
];

export interface RootfsTars {
  dir: string;
  tar: string;
  gz: string;
  xz: string;
  zst: string;
}

/**
 * A root filesystem made by hand (static busybox with its applets, /etc/passwd and /etc/group, a
 * /data directory with files, an empty /srv), archived as tar, tar.gz, tar.xz and tar.zst with the
 * system's tools, as a user would make one for `import`.
 */
export async function busyboxRootfsTars(dir: string): Promise<RootfsTars> {
  const root = join(dir, "rootfs");
  for (const d of ["bin", "etc", "tmp", "data/sub", "srv"]) await mkdir(join(root, d), { recursive: true });
  await copyFile("/bin/busybox", join(root, "bin", "busybox"));
  for (const a of APPLETS) await symlink("busybox", join(root, "bin", a));
  await writeFile(join(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  await writeFile(join(root, "etc", "group"), "root:x:0:\n");
  await writeFile(join(root, "data", "keep"), "kept\n");
  await writeFile(join(root, "data", "gone"), "to be deleted\n");
  await writeFile(join(root, "data", "sub", "old"), "hidden by an opaque dir\n");
  const tar = join(dir, "rootfs.tar");
  execFileSync("tar", ["-C", root, "--numeric-owner", "-cf", tar, "."]);
  for (const [tool, ext] of [
    ["gzip", "gz"],
    ["xz", "xz"],
    ["zstd", "zst"],
  ] as const) {
    execFileSync("sh", ["-c", `${tool} -c < "${tar}" > "${tar}.${ext}"`]);
  }
  return { dir: root, tar, gz: `${tar}.gz`, xz: `${tar}.xz`, zst: `${tar}.zst` };
}

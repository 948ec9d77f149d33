import { execFile } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { RuntimeContext } from "../types.js";

const run = promisify(execFile);

export const APPLETS = [
  "sh",
  "echo",
  "cat",
  "id",
  "env",
  "pwd",
  "sleep",
  "true",
  "false",
  "ls",
  "hostname",
  "ip",
  "stty",
  "tty",
  "touch",
  "mkdir",
  "kill",
  "trap",
  "wc",
  "test",
  "[",
  "unshare",
  "grep",
  "ps",
];

/** A busybox root filesystem made by hand: /bin/busybox with applet links, passwd and group. */
export async function busyboxRootfs(dir: string): Promise<string> {
  await mkdir(join(dir, "bin"), { recursive: true });
  await mkdir(join(dir, "etc"), { recursive: true });
  await mkdir(join(dir, "tmp"), { recursive: true, mode: 0o1777 });
  await copyFile("/bin/busybox", join(dir, "bin", "busybox"));
  for (const a of APPLETS) await symlink("busybox", join(dir, "bin", a)).catch(() => undefined);
  await writeFile(
    join(dir, "etc", "passwd"),
    "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
  );
  await writeFile(join(dir, "etc", "group"), "root:x:0:\napp:x:1000:\nextra:x:2000:app\nnogroup:x:65534:\n");
  return dir;
}

let shim: Promise<string[]> | undefined;
let compiledDir: string | undefined;

/** Removes the compiled shim (call in `afterAll` of a file that used `compiledShim`). */
export function removeCompiledShim(): void {
  if (compiledDir) rmSync(compiledDir, { recursive: true, force: true });
  compiledDir = undefined;
  shim = undefined;
}

/**
 * The shim compiled from source (tests run the TypeScript; a detached shim is a plain `node`
 * process, which needs JavaScript). Compiled once per test process into a temp directory.
 */
export function compiledShim(): Promise<string[]> {
  shim ??= (async () => {
    // Inside the repository (its .tmp/ is ignored by git) so that packages resolve from node_modules.
    const root = join(import.meta.dirname, "..", "..", "..");
    await mkdir(join(root, ".tmp"), { recursive: true });
    const out = await mkdtemp(join(root, ".tmp", "shim-"));
    compiledDir = out;
    const tsc = join(root, "node_modules", ".bin", "tsc");
    const args = [
      "--outDir",
      out,
      "--rootDir",
      join(root, "src"),
      "--module",
      "NodeNext",
      "--moduleResolution",
      "NodeNext",
      "--target",
      "ES2022",
      "--skipLibCheck",
      "--types",
      "node",
      join(root, "src", "runtime", "shim.ts"),
      join(root, "src", "runtime", "testing", "tty-driver.ts"),
    ];
    await run(tsc, args, { cwd: root }).catch(() => undefined);
    const entry = join(out, "runtime", "shim.js");
    if (!existsSync(entry)) throw new Error("could not compile the shim for the tests");
    return [process.execPath, entry];
  })();
  return shim;
}

/** A wharf root in a new temp dir; `withShim` for tests that start detached containers. */
export async function testContext(withShim = false): Promise<RuntimeContext & { tmp: string }> {
  const tmp = await mkdtemp(join(tmpdir(), "wharf-rt-"));
  return { root: join(tmp, "root"), ...(withShim ? { shim: await compiledShim() } : {}), tmp };
}

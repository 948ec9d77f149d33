import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";

const SRC = join(import.meta.dirname, "..", "..");
const TSC = join(SRC, "..", "node_modules", "typescript", "bin", "tsc");

/**
 * Compiles `entry` (a file under `src/`) and what it imports to JavaScript in a temp directory, so
 * that a test can run it as a separate Node process. Returns the compiled entry and the directory
 * to remove afterwards.
 */
export async function compileForChild(entry: string): Promise<{ entry: string; dir: string }> {
  const out = await mkdtemp(join(tmpdir(), "wharf-child-"));
  await promisify(execFile)(process.execPath, [
    TSC,
    "--outDir",
    out,
    "--rootDir",
    SRC,
    "--module",
    "NodeNext",
    "--moduleResolution",
    "NodeNext",
    "--target",
    "ES2022",
    "--types",
    "node",
    "--skipLibCheck",
    "--noCheck",
    entry,
  ]);
  return { entry: join(out, relative(SRC, entry).replace(/\.ts$/, ".js")), dir: out };
}

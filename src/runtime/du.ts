import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The bytes under `paths` (those that exist), by `du` in batches. */
export async function diskUsage(paths: string[]): Promise<number> {
  const present = paths.filter((p) => existsSync(p));
  let total = 0;
  for (let i = 0; i < present.length; i += 200) {
    // A directory removed meanwhile makes du fail; its total of the others still counts.
    const stdout = await run("du", ["-sbc", ...present.slice(i, i + 200)]).then(
      (r) => r.stdout,
      (e: { stdout?: string }) => e.stdout ?? "",
    );
    total += Number.parseInt(stdout.trim().split("\n").pop() ?? "0", 10) || 0;
  }
  return total;
}

/** `top`: the host's `ps` (procps) rows of a container's processes, as Docker's daemon gives them. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { WharfError } from "../errors/index.js";
import { getContainer } from "./reconcile.js";
import { containerPids } from "./stats.js";
import type { RuntimeContext } from "./types.js";

const run = promisify(execFile);

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/**
 * Docker's `parsePSOutput`: the header's words are the titles (one must be PID); a row's extra
 * words belong to its last column (the command); only the rows of `pids` are kept.
 */
export function parsePs(output: string, pids: readonly number[]): TopResult {
  const lines = output.split("\n").filter((l) => l.trim() !== "");
  const Titles = (lines[0] ?? "").trim().split(/\s+/);
  const pidAt = Titles.indexOf("PID");
  if (pidAt < 0) throw new WharfError("invalid-argument", "Couldn't find PID field in ps output");
  const wanted = new Set(pids);
  const Processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const f = line.trim().split(/\s+/);
    if (!wanted.has(Number(f[pidAt]))) continue;
    const head = f.slice(0, Titles.length - 1);
    Processes.push([...head, f.slice(Titles.length - 1).join(" ")]);
  }
  return { Titles, Processes };
}

/** Runs `ps <args>` (default `-ef`) on the host and keeps the container's processes. */
export async function topContainer(
  ctx: RuntimeContext,
  ref: string,
  psArgs: string[] = [],
): Promise<TopResult> {
  const rec = await getContainer(ctx, ref);
  if (rec.state !== "running") {
    throw new WharfError("conflict", `container ${rec.id} is not running`, {
      hint: `start it first: wharf start ${rec.name}`,
    });
  }
  const pids = await containerPids(ctx, rec);
  const args = psArgs.length > 0 ? psArgs : ["-ef"];
  let stdout: string;
  try {
    // As Docker's daemon: `-q PIDS` selects the container's processes whatever else the arguments
    // select (`-o pid,args` alone would list only the caller's terminal's); a ps that refuses it
    // is asked again without.
    ({ stdout } = await run("ps", [...args, "-q", pids.join(",")], { maxBuffer: 64 << 20 }).catch(
      (e: { code?: unknown }) => {
        if (e.code === "ENOENT" || pids.length === 0) throw e;
        return run("ps", args, { maxBuffer: 64 << 20 });
      },
    ));
  } catch (e) {
    const err = e as { stderr?: string; code?: unknown };
    if (err.code === "ENOENT") {
      throw new WharfError("runtime", "ps was not found on PATH", {
        hint: "install procps (apt-get install -y procps)",
      });
    }
    throw new WharfError("runtime", `Error running ps: ${(err.stderr ?? String(e)).trim()}`);
  }
  return parsePs(stdout, pids);
}

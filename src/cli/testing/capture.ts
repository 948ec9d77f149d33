import type { Context } from "../context.js";
import { main } from "../main.js";

export interface Captured {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output (for tests). */
export async function runCli(
  argv: string[],
  opts: { root?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const io: Partial<Context> = {
    out: (line = "") => {
      stdout += `${line}\n`;
    },
    err: (line = "") => {
      stderr += `${line}\n`;
    },
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.root ? { root: opts.root } : {}),
  };
  const status = await main(argv, io);
  return { status, stdout, stderr };
}

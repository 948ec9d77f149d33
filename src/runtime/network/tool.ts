/** Runs the host's network tools (`ip`, `iptables-save`, `iptables-restore`): no shell. */
import { spawn } from "node:child_process";
import { WharfError } from "../../errors/index.js";

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd args`, `input` on its stdin; resolves with its status and output (never rejects on status). */
export function runTool(cmd: string, args: string[], input?: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (c: Buffer) => out.push(c));
    child.stderr?.on("data", (c: Buffer) => err.push(c));
    child.on("error", (e) =>
      reject(
        new WharfError("runtime", `cannot run ${cmd}: ${e.message}`, {
          cause: e,
          hint:
            cmd === "ip"
              ? "install iproute2 (Debian: apt-get install iproute2)"
              : "install iptables (Debian: apt-get install iptables)",
        }),
      ),
    );
    child.on("close", (code) =>
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
    if (input !== undefined) {
      child.stdin?.on("error", () => undefined);
      child.stdin?.end(input);
    }
  });
}

/** `runTool`, failing with a wharf error (what, and the tool's words) on a non-zero status. */
export async function mustRun(what: string, cmd: string, args: string[], input?: string): Promise<string> {
  const r = await runTool(cmd, args, input);
  if (r.code !== 0) {
    throw new WharfError(
      "runtime",
      `${what}: ${cmd} ${args.join(" ")}: ${r.stderr.trim() || `exit status ${r.code}`}`,
      {
        hint: "wharf's networking needs root, iproute2 and iptables; see `wharf network --help`",
      },
    );
  }
  return r.stdout;
}

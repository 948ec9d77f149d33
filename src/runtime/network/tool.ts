/** Runs the host's network tools (`ip`, `iptables-save`, `iptables-restore`): no shell. */
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { WharfError } from "../../errors/index.js";

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

const HINTS: Record<string, string> = {
  ip: "install iproute2 (Debian: apt-get install iproute2)",
  unshare: "install util-linux (Debian: apt-get install util-linux)",
  iptables: "install iptables (Debian: apt-get install iptables)",
};

/** Runs `cmd args`, `input` on its stdin; resolves with its status and output (never rejects on status). */
export function runTool(
  cmd: string,
  args: string[],
  input?: string,
  opts: { stdout?: boolean } = {},
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    // A tool whose output is not read gets none to write (a pipe less costs ~1 ms here).
    const stdout = opts.stdout === false ? "ignore" : "pipe";
    const child = spawn(cmd, args, { stdio: [input === undefined ? "ignore" : "pipe", stdout, "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (c: Buffer) => out.push(c));
    child.stderr?.on("data", (c: Buffer) => err.push(c));
    child.on("error", (e) =>
      reject(
        new WharfError("runtime", `cannot run ${cmd}: ${e.message}`, {
          cause: e,
          hint: HINTS[cmd.slice(cmd.lastIndexOf("/") + 1)] ?? HINTS.iptables,
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

const found = new Map<string, string>();

/**
 * A tool's path, looked up on PATH (then the sbin directories, which a user's PATH may lack) once:
 * spawning a bare name makes the kernel try every PATH entry before the right one, per call.
 */
export function toolPath(name: string): string {
  const known = found.get(name);
  if (known) return known;
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin", "/usr/bin", "/bin"];
  for (const d of dirs.filter((x) => x.startsWith("/"))) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      found.set(name, p);
      return p;
    } catch {
      // not here
    }
  }
  return name;
}

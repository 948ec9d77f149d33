import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { withLock } from "../../../files/index.js";

const REPO = join(import.meta.dirname, "..", "..", "..", "..");
const run = promisify(execFile);

async function newest(dir: string): Promise<number> {
  let t = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, await newest(p));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) t = Math.max(t, (await stat(p)).mtimeMs);
  }
  return t;
}

/** Runs `npm run build` when dist/ is missing or older than src/ (once, under a lock, for all test files). */
export async function ensureBuilt(): Promise<void> {
  const lock = join(
    tmpdir(),
    `wharf-build-${createHash("sha256").update(REPO).digest("hex").slice(0, 12)}.lock`,
  );
  await withLock(
    lock,
    async () => {
      const built = await stat(join(REPO, "dist", "cli", "main.js")).then(
        (s) => s.mtimeMs,
        () => 0,
      );
      if (built >= (await newest(join(REPO, "src")))) return;
      try {
        await run("npm", ["run", "build"], { cwd: REPO });
      } catch (e) {
        // tsc emits even with type errors (the type check is its own CI step); without output, fail.
        const made = await stat(join(REPO, "dist", "cli", "main.js")).then(
          (s) => s.mtimeMs > built,
          () => false,
        );
        if (!made) throw e;
        console.warn(`npm run build reported errors; testing what it emitted:\n${String(e)}`);
      }
    },
    { timeoutMs: 300_000 },
  );
}

export interface ServeProcess {
  /** `http://127.0.0.1:<port>` (or https) as logged. */
  url: string;
  /** `127.0.0.1:<port>` */
  host: string;
  child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Waits (up to 5 s) until stderr matches `re`; returns stderr. */
  waitForLog(re: RegExp): Promise<string>;
  /** Sends SIGTERM and resolves with the exit status. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/**
 * Starts `node bin/wharf.cjs registry serve ARGS` and waits for its `listening on <url>` line.
 * Rejects with the process's stderr when it exits first.
 */
export async function spawnServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [join(REPO, "bin", "wharf.cjs"), ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (c: Buffer) => {
      err += c.toString();
      const m = /listening on (https?:\/\/[^\s"]+)/.exec(err);
      if (m) resolve(m[1] as string);
    });
    void exited.then((code) => reject(new Error(`wharf registry serve exited (${code}):\n${err}`)));
  });
  return {
    url,
    host: url.replace(/^https?:\/\//, ""),
    child,
    stderr: () => err,
    exited,
    waitForLog: async (re) => {
      for (const deadline = Date.now() + 5000; !re.test(err) && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 20));
      }
      return err;
    },
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** A loopback TCP port that was free a moment ago (the system picked it). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export interface Server {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>` */
  host: string;
  pid: number;
  /** Everything the process wrote to stdout and stderr so far (last 64 KiB). */
  output(): string;
  /** SIGTERM to the PID, SIGKILL after 5 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

export interface SpawnServerOptions {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  port: number;
  /** How long to wait for `GET /v2/` to answer (any status). Default 20 s. */
  readyTimeoutMs?: number;
}

/**
 * Starts a registry process in its own session (setsid, so a signal to the test runner's group
 * does not reach it and it cannot outlive a stop by PID unnoticed) and waits until it answers.
 */
export async function spawnServer(opts: SpawnServerOptions): Promise<Server> {
  const child: ChildProcess = spawn(opts.command, opts.args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: opts.env ?? process.env,
  });
  let out = "";
  const keep = (c: Buffer) => {
    out = (out + c.toString()).slice(-65536);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${opts.command} did not start: ${out}`);
  const host = `127.0.0.1:${opts.port}`;
  const server: Server = {
    url: `http://${host}`,
    host,
    pid,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(pid, "SIGTERM");
      const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!done) {
        process.kill(pid, "SIGKILL");
        await exited;
      }
    },
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
  for (;;) {
    try {
      const res = await fetch(`${server.url}/v2/`);
      await res.arrayBuffer();
      return server;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        await server.stop();
        throw new Error(`${opts.command} ${opts.args.join(" ")} did not start:\n${out.slice(-4000)}`);
      }
      await sleep(50);
    }
  }
}

import { spawn } from "node:child_process";
import { createConnection } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "./distribution.js";

export const REDIS_BIN = "/usr/bin/redis-server";

/** redis-server on a free loopback port, nothing kept on disk; stopped by PID. */
export async function startRedis(dir: string): Promise<{ pid: number; addr: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    REDIS_BIN,
    ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no", "--dir", dir],
    { detached: true, stdio: "ignore" },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error("redis-server did not start");
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  for (let i = 0; ; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection(port, "127.0.0.1", () => {
        s.end();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) break;
    if (i > 100 || child.exitCode !== null) throw new Error("redis-server did not answer");
    await sleep(50);
  }
  return {
    pid,
    addr: `127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      process.kill(pid, "SIGTERM");
      await exited;
    },
  };
}

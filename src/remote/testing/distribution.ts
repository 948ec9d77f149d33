import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const DISTRIBUTION_BIN = "/usr/bin/docker-registry";

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface Distribution {
  url: string;
  /** `127.0.0.1:<port>` */
  host: string;
  dir: string;
  close(): Promise<void>;
}

/**
 * Starts CNCF Distribution (Debian's `docker-registry`) on a loopback port with its own
 * config.yml and a fresh storage directory. `auth` is added to the config as is (YAML lines).
 */
export async function startDistribution(opts: { authYaml?: string } = {}): Promise<Distribution> {
  const dir = await mkdtemp(join(tmpdir(), "wharf-distribution-"));
  await mkdir(join(dir, "data"));
  const port = await freePort();
  const config = [
    "version: 0.1",
    "log:",
    "  level: error",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${join(dir, "data")}`,
    "  delete:",
    "    enabled: true",
    "http:",
    `  addr: 127.0.0.1:${port}`,
    ...(opts.authYaml ? [opts.authYaml] : []),
    "",
  ].join("\n");
  await writeFile(join(dir, "config.yml"), config);
  const child: ChildProcess = spawn(DISTRIBUTION_BIN, ["serve", join(dir, "config.yml")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/v2/`);
      await res.arrayBuffer();
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`docker-registry did not start: ${stderr.slice(-2000)}`);
      }
      await sleep(50);
    }
  }
  return {
    url,
    host: `127.0.0.1:${port}`,
    dir,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, sleep(5000)]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const DISTRIBUTION_BIN = "/usr/bin/docker-registry";

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Runs Distribution 2.8 (Debian's `docker-registry`) over a storage directory the caller owns, so
 * that tests can hand one directory back and forth between Distribution and wharf.
 */
export async function startDistributionOn(root: string): Promise<{ url: string; close(): Promise<void> }> {
  const conf = await mkdtemp(join(tmpdir(), "wharf-dist-conf-"));
  const port = await freePort();
  const config = [
    "version: 0.1",
    "log:",
    "  level: error",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${root}`,
    "  delete:",
    "    enabled: true",
    "http:",
    `  addr: 127.0.0.1:${port}`,
    "",
  ].join("\n");
  await writeFile(join(conf, "config.yml"), config);
  const child = spawn(DISTRIBUTION_BIN, ["serve", join(conf, "config.yml")], { stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    await rm(conf, { recursive: true, force: true });
  };
  for (const deadline = Date.now() + 15_000; ; ) {
    try {
      await (await fetch(`${url}/v2/`)).arrayBuffer();
      return { url, close };
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        await close();
        throw new Error("docker-registry did not start");
      }
      await sleep(50);
    }
  }
}

import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, type Server, spawnServer } from "./process.js";

export const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");
export const WHARF_BIN = join(REPO_ROOT, "bin", "wharf.cjs");
export const DISTRIBUTION_BIN = "/usr/bin/docker-registry";

export interface RunningRegistry extends Server {
  /** The temporary directory holding config.yml and the storage root (`data/`). */
  dir: string;
  /** Stops the process by PID and removes the directory. */
  close(): Promise<void>;
}

export interface RegistryOptions {
  /** `storage.delete.enabled`; default true. */
  deleteEnabled?: boolean;
  /** Extra YAML lines appended to config.yml as is (e.g. an `auth:` section). */
  extraYaml?: string;
}

/** Distribution's config.yml, which both Distribution and `wharf registry serve` read. */
function configYaml(dir: string, port: number, opts: RegistryOptions): string {
  return [
    "version: 0.1",
    "log:",
    "  level: error",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${join(dir, "data")}`,
    "  delete:",
    `    enabled: ${opts.deleteEnabled ?? true}`,
    "http:",
    `  addr: 127.0.0.1:${port}`,
    ...(opts.extraYaml ? [opts.extraYaml] : []),
    "",
  ].join("\n");
}

async function prepare(prefix: string, opts: RegistryOptions) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await mkdir(join(dir, "data"));
  const port = await freePort();
  const config = join(dir, "config.yml");
  await writeFile(config, configYaml(dir, port, opts));
  return { dir, port, config };
}

function withCleanup(server: Server, dir: string): RunningRegistry {
  return {
    ...server,
    dir,
    close: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Distribution 2.8.2 (Debian's docker-registry) on a free loopback port with a temp config.yml. */
export async function startDistribution(opts: RegistryOptions = {}): Promise<RunningRegistry> {
  const { dir, port, config } = await prepare("wharf-e2e-distribution-", opts);
  try {
    const server = await spawnServer({ command: DISTRIBUTION_BIN, args: ["serve", config], port });
    return withCleanup(server, dir);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The built CLI's `wharf registry serve --config <config.yml>` on a free loopback port. */
export async function startWharfRegistry(opts: RegistryOptions = {}): Promise<RunningRegistry> {
  if (!existsSync(join(REPO_ROOT, "dist", "cli", "main.js"))) {
    throw new Error("the CLI is not built: run `npm run build` before the end-to-end tests");
  }
  const { dir, port, config } = await prepare("wharf-e2e-registry-", opts);
  try {
    const server = await spawnServer({
      command: process.execPath,
      args: [WHARF_BIN, "registry", "serve", "--config", config],
      port,
    });
    return withCleanup(server, dir);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * The registry the registry-* end-to-end tests exercise: `wharf registry serve`, or Distribution
 * when WHARF_E2E_PEER=distribution (to check a test's expectations against the reference).
 */
export function startRegistryUnderTest(opts: RegistryOptions = {}): Promise<RunningRegistry> {
  return process.env.WHARF_E2E_PEER === "distribution" ? startDistribution(opts) : startWharfRegistry(opts);
}

import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshS3 } from "../../../src/registry/driver/testing/s3.js";
import {
  type Distribution,
  freePort,
  type RegistryConfigOptions,
  registryConfigYaml,
  spawnServer,
  startDistribution,
} from "../../../src/registry/testing/distribution.js";

export const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");
export const WHARF_BIN = join(REPO_ROOT, "bin", "wharf.cjs");

/** A registry process the end-to-end tests started (Distribution, or wharf's own). */
export type RunningRegistry = Distribution;

export type RegistryOptions = RegistryConfigOptions;

export { startDistribution };

/**
 * `storage.s3` on the RADOS Gateway of scripts/ceph.sh (a fresh rootdirectory in the test bucket),
 * for WHARF_E2E_STORAGE=s3: the registry end-to-end tests then run on the s3 driver.
 */
async function s3StorageYaml(): Promise<string[]> {
  const { options, client } = await freshS3();
  client.destroy();
  return [
    "  s3:",
    `    region: ${options.region}`,
    `    regionendpoint: ${options.endpoint}`,
    "    forcepathstyle: true",
    `    bucket: ${options.bucket}`,
    `    accesskey: ${options.accessKey}`,
    `    secretkey: ${options.secretKey}`,
    `    rootdirectory: ${options.rootDirectory}`,
  ];
}

/**
 * The built CLI's `wharf registry serve --config <config.yml>` on a free loopback port (on the s3
 * driver when WHARF_E2E_STORAGE=s3).
 */
export async function startWharfRegistry(opts: RegistryOptions = {}): Promise<RunningRegistry> {
  if (!existsSync(join(REPO_ROOT, "dist", "cli", "main.js"))) {
    throw new Error("the CLI is not built: run `npm run build` before the end-to-end tests");
  }
  const dir = await mkdtemp(join(tmpdir(), "wharf-e2e-registry-"));
  try {
    const root = join(dir, "data");
    await mkdir(root);
    const port = await freePort();
    const config = join(dir, "config.yml");
    const storage = process.env.WHARF_E2E_STORAGE === "s3" ? await s3StorageYaml() : undefined;
    await writeFile(
      config,
      registryConfigYaml(root, port, storage ? { ...opts, storageYaml: storage } : opts),
    );
    const server = await spawnServer({
      command: process.execPath,
      args: [WHARF_BIN, "registry", "serve", "--config", config],
      port,
    });
    return {
      ...server,
      dir,
      root,
      close: async () => {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
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

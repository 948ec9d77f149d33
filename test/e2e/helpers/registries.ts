import { existsSync } from "node:fs";
import { join } from "node:path";
import { freshS3 } from "../../../src/registry/driver/testing/s3.js";
import {
  type Distribution,
  type RegistryConfigOptions,
  s3StorageYaml,
  startConfiguredServer,
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
async function freshS3StorageYaml(): Promise<string[]> {
  const { options, client } = await freshS3();
  client.destroy();
  return s3StorageYaml(options);
}

/**
 * The built CLI's `wharf registry serve --config <config.yml>` on a free loopback port (on the s3
 * driver when WHARF_E2E_STORAGE=s3).
 */
export async function startWharfRegistry(opts: RegistryOptions = {}): Promise<RunningRegistry> {
  if (!existsSync(join(REPO_ROOT, "dist", "cli", "main.js"))) {
    throw new Error("the CLI is not built: run `npm run build` before the end-to-end tests");
  }
  const storage = process.env.WHARF_E2E_STORAGE === "s3" ? await freshS3StorageYaml() : undefined;
  return startConfiguredServer({
    ...opts,
    ...(storage ? { storageYaml: storage } : {}),
    prefix: "wharf-e2e-registry-",
    serve: (config) => ({
      command: process.execPath,
      args: [WHARF_BIN, "registry", "serve", "--config", config],
    }),
  });
}

/**
 * The registry the registry-* end-to-end tests exercise: `wharf registry serve`, or Distribution
 * when WHARF_E2E_PEER=distribution (to check a test's expectations against the reference).
 */
export function startRegistryUnderTest(opts: RegistryOptions = {}): Promise<RunningRegistry> {
  return process.env.WHARF_E2E_PEER === "distribution" ? startDistribution(opts) : startWharfRegistry(opts);
}

/** GETs a JSON document: its status, and the parsed body when it is 200. */
export async function getJson(
  url: string,
  accept: string,
): Promise<{ status: number; doc?: Record<string, unknown> }> {
  const r = await fetch(url, { headers: { accept } });
  return r.status === 200
    ? { status: 200, doc: (await r.json()) as Record<string, unknown> }
    : { status: r.status };
}

/**
 * The one test helper for CNCF Distribution 2.8 (Debian's `docker-registry`), the reference
 * registry the unit and end-to-end tests compare wharf with, and for the servers those tests spawn:
 * a free loopback port, a process in its own session stopped by its PID, Distribution's config.yml.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { S3DriverOptions } from "../driver/s3-client.js";

export const DISTRIBUTION_BIN = "/usr/bin/docker-registry";

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

export interface RegistryConfigOptions {
  /** `storage.delete.enabled`; default true. */
  deleteEnabled?: boolean;
  /** Extra YAML lines appended to config.yml as is (e.g. an `auth:` section). */
  extraYaml?: string;
  /** The storage driver's section instead of `filesystem:` (e.g. `s3:` and its keys), indented. */
  storageYaml?: string[];
}

/** Distribution's config.yml, which both Distribution and `wharf registry serve` read. */
export function registryConfigYaml(storage: string, port: number, opts: RegistryConfigOptions = {}): string {
  return [
    "version: 0.1",
    "log:",
    "  level: error",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    ...(opts.storageYaml ?? ["  filesystem:", `    rootdirectory: ${storage}`]),
    "  delete:",
    `    enabled: ${opts.deleteEnabled ?? true}`,
    "http:",
    `  addr: 127.0.0.1:${port}`,
    ...(opts.extraYaml ? [opts.extraYaml] : []),
    "",
  ].join("\n");
}

export interface DistributionOptions extends RegistryConfigOptions {
  /** A storage directory the caller owns and keeps (to hand it between Distribution and wharf). */
  root?: string;
}

export interface Distribution extends Server {
  /** The temporary directory of config.yml (and `data/`, the storage, unless `root` was given). */
  dir: string;
  /** The storage directory. */
  root: string;
  /** Stops the process by PID and removes `dir` (a caller's `root` stays). */
  close(): Promise<void>;
}

export interface ConfiguredServerOptions extends DistributionOptions {
  /** The temporary directory's name prefix. */
  prefix: string;
  /** The command line that serves the given config.yml. */
  serve(config: string): { command: string; args: string[]; env?: NodeJS.ProcessEnv };
}

/**
 * A registry process that reads Distribution's config.yml (Distribution itself, or `wharf registry
 * serve`) on a free loopback port, with its config.yml in a temporary directory removed on close.
 */
export async function startConfiguredServer(opts: ConfiguredServerOptions): Promise<Distribution> {
  const dir = await mkdtemp(join(tmpdir(), opts.prefix));
  const root = opts.root ?? join(dir, "data");
  try {
    await mkdir(root, { recursive: true });
    const port = await freePort();
    const config = join(dir, "config.yml");
    await writeFile(config, registryConfigYaml(root, port, opts));
    const server = await spawnServer({ ...opts.serve(config), port });
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

/** Distribution 2.8.2 on a free loopback port with a temporary config.yml. */
export function startDistribution(opts: DistributionOptions = {}): Promise<Distribution> {
  return startConfiguredServer({
    ...opts,
    prefix: "wharf-distribution-",
    serve: (config) => ({ command: DISTRIBUTION_BIN, args: ["serve", config] }),
  });
}

/** `storage.s3` lines of config.yml for the s3 driver's options. */
export function s3StorageYaml(o: S3DriverOptions): string[] {
  return [
    "  s3:",
    `    region: ${o.region}`,
    `    regionendpoint: ${o.endpoint}`,
    "    forcepathstyle: true",
    `    bucket: ${o.bucket}`,
    `    accesskey: ${o.accessKey}`,
    `    secretkey: ${o.secretKey}`,
    `    rootdirectory: ${o.rootDirectory}`,
    ...(o.chunkSize ? [`    chunksize: ${o.chunkSize}`] : []),
  ];
}

/**
 * Docker's detach keys: `--detach-keys` of `attach`, `run`, `start` and `exec`, else `detachKeys`
 * in `$DOCKER_CONFIG/config.json`, else `ctrl-p,ctrl-q`. The filter that watches the input for
 * them is attach-session.ts's: `run` and `start` load this file at start-up, node:stream only when
 * they attach.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { WharfError } from "../../errors/index.js";
import type { FlagSpec } from "../flags.js";

export const DETACH_KEYS_FLAG: FlagSpec = {
  name: "detach-keys",
  type: "string",
  description: "Override the key sequence for detaching a container",
};

export const DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q";

/** `ctrl-<x>` (a letter, `@`, `[`, `\\`, `]`, `^`, `_`) or one character, comma-separated. */
export function parseDetachKeys(spec: string): number[] {
  return spec.split(",").map((k) => {
    const m = /^ctrl-([a-z@[\\\]^_])$/.exec(k);
    if (m) return (m[1] as string).toUpperCase().charCodeAt(0) & 0x1f;
    if (k.length === 1) return k.charCodeAt(0);
    throw new WharfError("invalid-argument", `invalid detach keys (${spec}) provided`);
  });
}

/** config.json's `detachKeys` (the docker CLI's), or undefined when there is none. */
export function configDetachKeys(env: NodeJS.ProcessEnv): string | undefined {
  const dir = env.DOCKER_CONFIG || join(env.HOME || homedir(), ".docker");
  try {
    const doc = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { detachKeys?: unknown };
    return typeof doc.detachKeys === "string" && doc.detachKeys !== "" ? doc.detachKeys : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The keys in force: the flag's, else config.json's, else Docker's default; checked. An empty
 * flag is none given, as the docker CLI's `if opts.DetachKeys != ""`.
 */
export function detachKeysOf(given: string | undefined, env: NodeJS.ProcessEnv): number[] {
  return parseDetachKeys(given || configDetachKeys(env) || DEFAULT_DETACH_KEYS);
}

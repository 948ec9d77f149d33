/**
 * Docker's detach keys: `--detach-keys` of `attach`, `run`, `start` and `exec`, else `detachKeys`
 * in `$DOCKER_CONFIG/config.json`, else `ctrl-p,ctrl-q`; and the filter that watches the input for
 * them.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { Transform } from "node:stream";
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

/** The keys in force: the flag's, else config.json's, else Docker's default; checked. */
export function detachKeysOf(given: string | undefined, env: NodeJS.ProcessEnv): number[] {
  return parseDetachKeys(given ?? configDetachKeys(env) ?? DEFAULT_DETACH_KEYS);
}

/**
 * Passes the bytes through until the sequence is typed, then calls `detach` and passes nothing
 * more. A partial sequence followed by another byte is passed on whole, as Docker's escape proxy.
 */
export function detachWatcher(keys: number[], detach: () => void): Transform {
  let at = 0;
  let done = false;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (done) return cb();
      const out: number[] = [];
      for (const b of chunk) {
        if (b === keys[at]) {
          at++;
          if (at === keys.length) {
            done = true;
            detach();
            break;
          }
          continue;
        }
        out.push(...keys.slice(0, at), b);
        at = 0;
      }
      cb(null, Buffer.from(out));
    },
  });
}

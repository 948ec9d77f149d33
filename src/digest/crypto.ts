import { closeSync, openSync, readSync } from "node:fs";
import { createRequire } from "node:module";

type NodeCrypto = typeof import("node:crypto");

let loaded: NodeCrypto | undefined;

/**
 * Node's `crypto` module, loaded on first use. Loading it costs more than a millisecond (about a
 * fiftieth of a `run`), and a run of a local image hashes nothing once its chain IDs are known
 * (`rootfs/chain.ts` keeps them).
 */
export function nodeCrypto(): NodeCrypto {
  loaded ??= createRequire(import.meta.url)("node:crypto") as NodeCrypto;
  return loaded;
}

/**
 * `n` random bytes from the kernel's generator as hex (for IDs that must not be guessed): read from
 * /dev/urandom, which needs no module loaded; Node's `randomBytes` where that cannot be read.
 */
export function randomHex(n: number): string {
  const buf = Buffer.alloc(n);
  try {
    const fd = openSync("/dev/urandom", "r");
    try {
      let got = 0;
      while (got < n) {
        const k = readSync(fd, buf, got, n - got, null);
        if (k <= 0) throw new Error("short read from /dev/urandom");
        got += k;
      }
    } finally {
      closeSync(fd);
    }
    return buf.toString("hex");
  } catch {
    return nodeCrypto().randomBytes(n).toString("hex");
  }
}

/** A short hex suffix for names that must only be unlikely to collide (temp files, leases). */
export function uniqueSuffix(): string {
  return Math.floor(Math.random() * 0x1000000000000)
    .toString(16)
    .padStart(12, "0");
}

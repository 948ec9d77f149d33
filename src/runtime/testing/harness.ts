import { execFileSync } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeEach } from "vitest";
import { listIds } from "../catalog.js";
import { type CreateOptions, createContainer } from "../create.js";
import { runForeground } from "../lifecycle.js";
import type { LogEntry } from "../logs.js";
import { runcRoot } from "../store.js";
import type { RuntimeContext } from "../types.js";
import { busyboxRootfs, removeCompiledShim, testContext } from "./fixtures.js";

export class Sink extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    cb();
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

export interface Harness {
  ctx: RuntimeContext & { tmp: string };
  rootfs: string;
  create(o: Partial<CreateOptions>): ReturnType<typeof createContainer>;
  run(o: Partial<CreateOptions>): Promise<{ code: number; out: string; err: string; id: string }>;
  cleanup(): Promise<void>;
}

/** A wharf root in a temp dir with a hand-made busybox rootfs; `cleanup` deletes every container. */
export async function harness(withShim = false): Promise<Harness> {
  const ctx = await testContext(withShim);
  const rootfs = await busyboxRootfs(join(ctx.tmp, "rootfs"));
  const create = (o: Partial<CreateOptions>) =>
    createContainer(ctx, {
      image: "busybox:test",
      imageId: `sha256:${"0".repeat(64)}`,
      imageConfig: { Cmd: ["sh"] },
      rootfs,
      ...o,
    });
  return {
    ctx,
    rootfs,
    create,
    async run(o) {
      const rec = await create(o);
      const out = new Sink();
      const err = new Sink();
      const code = await runForeground(ctx, rec.id, { stdout: out, stderr: err });
      return { code, out: out.text, err: err.text, id: rec.id };
    },
    async cleanup() {
      for (const id of await listIds(ctx)) {
        try {
          execFileSync("runc", ["--root", runcRoot(ctx), "delete", "-f", id], { stdio: "ignore" });
        } catch {
          // not known to runc: already gone
        }
      }
      await rm(ctx.tmp, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
    },
  };
}

/**
 * A fresh harness with the detached shim for each test of the file (`use` gets it before each
 * test), cleaned up after each, and the compiled shim removed after the file.
 */
export function shimHarnessEach(use: (h: Harness) => void): void {
  let current: Harness | undefined;
  beforeEach(async () => {
    current = await harness(true);
    use(current);
  });
  afterEach(async () => {
    await current?.cleanup();
  });
  afterAll(() => removeCompiledShim());
}

/** The text of a container's log entries. */
export async function collectLog(it: AsyncIterable<LogEntry>): Promise<string> {
  let s = "";
  for await (const e of it) s += e.log;
  return s;
}

/**
 * The stdin of a detached `-i` container, for `attach`: the keeper makes a FIFO,
 * `<container dir>/stdin.fifo` (mode 0600), holds it open for reading and writing (so that it
 * never reads an end of file when an attached writer leaves) and copies what comes into runc's
 * stdin, for each run of the container. `attach` opens it for writing.
 */

import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { constants, openSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { join } from "node:path";
import { containerDir } from "./store.js";
import type { RuntimeContext } from "./types.js";

export function stdinFifoPath(ctx: RuntimeContext, id: string): string {
  return join(containerDir(ctx, id), "stdin.fifo");
}

export interface StdinRelay {
  /** Copies the FIFO into this run's stdin from now on. */
  connect(child: ChildProcess): void;
  close(): void;
}

export async function openStdinRelay(ctx: RuntimeContext, id: string): Promise<StdinRelay | undefined> {
  const path = stdinFifoPath(ctx, id);
  rmSync(path, { force: true });
  try {
    execFileSync("mkfifo", ["-m", "600", path], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  const fifo = new Socket({ fd, readable: true, writable: false });
  let target: NodeJS.WritableStream | undefined;
  fifo.on("data", (chunk: Buffer) => {
    target?.write(chunk);
  });
  fifo.on("error", () => undefined);
  return {
    connect(child) {
      target = child.stdin ?? undefined;
      child.stdin?.on("error", () => undefined);
    },
    close() {
      fifo.destroy();
      rmSync(path, { force: true });
    },
  };
}

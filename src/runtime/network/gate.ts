/**
 * The gate: runc starts as soon as the container's namespace exists, while its interfaces are still
 * being made, and the container's process waits for them. runc's own set-up (processes,
 * namespaces, cgroups, mounts: 15-25 ms here) takes longer than a `bridge` ADD (10-20 ms, started
 * before runc), so the network costs a start little more than its namespace.
 *
 * How: the spec has a `createRuntime` hook, `grep -q ^ok$ <fifo>`, which runc runs (and waits for)
 * before the container's process starts. wharf holds the FIFO open for reading and writing from
 * before runc starts, and writes `ok` once the network is complete (/etc/hosts and resolv.conf
 * written in place); a failure puts a file saying so in the FIFO's place and closes it, grep sees
 * the end of the file without `ok`, and runc stops the start (`failGate`: a grep that had not opened
 * the FIFO yet would otherwise wait for a writer until its timeout). A wharf that dies closes it
 * too. The hook's timeout bounds the wait.
 */
import { closeSync, openSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { WharfError } from "../../errors/index.js";
import { containerDir } from "../store.js";
import { trace } from "../trace.js";
import type { ContainerRecord, RuntimeContext } from "../types.js";
import { toolPath } from "./tool.js";
import type { Gate, NetSetup, NetState, SpecHook } from "./types.js";

export type { Gate, SpecHook } from "./types.js";

export function gatePath(ctx: RuntimeContext, id: string): string {
  return join(containerDir(ctx, id), "network.gate");
}

/** Opens the FIFO (made with the namespace: netns.ts); undefined when it cannot (no gate, then). */
export function openGate(path: string): Gate | undefined {
  try {
    // Read and write: an open that never waits for the other end, and that keeps the FIFO's
    // contents until the hook has read them.
    return { path, fd: openSync(path, "r+") };
  } catch {
    return undefined;
  }
}

/**
 * The spec's hook: the gate (`lo` is raised by the process that makes the namespace, netns.ts,
 * before the network is complete and the gate opens). It reads its stdin first, to the end: runc
 * writes the container's state there, and a hook that ends before that write makes it fail with
 * EPIPE, whose SIGPIPE a foreground `runc run` (which takes every signal) forwards to the
 * container's process: under `--init` tini passed it on and the command died at once (status 141,
 * about one start in ten). The state is one line of JSON, never "ok".
 */
export function gateHooks(gate: Gate): SpecHook[] {
  return [{ path: toolPath("grep"), args: ["grep", "-q", "^ok$", "-", gate.path], timeout: 120 }];
}

/**
 * Fails the gate for a hook that may not have opened it yet: opening a FIFO for reading waits for
 * a writer, so once wharf's end is closed a late `grep` would wait out its timeout (120 s) instead
 * of seeing the end of the file. A regular file saying so takes the FIFO's place first (a rename):
 * a `grep` that opens it later reads it and fails at once; one that has the FIFO open already sees
 * its end when wharf's end closes.
 */
function failGate(path: string): void {
  const tmp = `${path}.failed`;
  try {
    writeFileSync(tmp, "failed\n");
    renameSync(tmp, path);
  } catch {
    // No gate left to fail (the container's directory went): nothing waits on it.
  }
}

/** A start's network as it completes: its state, its ports still being mapped, its failure. */
export interface NetworkStart {
  /** Resolves when the network is complete or has failed (see `error`); never rejects. */
  done: Promise<void>;
  state(): NetState | undefined;
  ready(): Promise<void> | undefined;
  error(): WharfError | undefined;
  /** Closes the gate (after the start, or when it is abandoned). */
  close(): void;
}

/**
 * Follows a start's network to its end: a gated one (`setup.late`) gets its /etc files and the
 * gate opened when it is complete; an ungated one is complete already.
 */
export function completeNetwork(ctx: RuntimeContext, rec: ContainerRecord, setup?: NetSetup): NetworkStart {
  let state = setup?.state;
  let ready = setup?.ready;
  let error: WharfError | undefined;
  const gate = setup?.gate;
  const close = () => {
    if (gate && gate.fd >= 0) {
      closeSync(gate.fd);
      gate.fd = -1;
    }
  };
  const done = !setup?.late
    ? Promise.resolve()
    : setup.late.then(
        (full) => {
          state = full.state;
          ready = full.ready;
          const dir = containerDir(ctx, rec.id);
          // In place: the files are bind-mounted already.
          if (full.hosts !== undefined) writeFileSync(join(dir, "hosts"), full.hosts);
          if (full.resolv !== undefined) writeFileSync(join(dir, "resolv.conf"), full.resolv);
          if (gate && gate.fd >= 0) writeSync(gate.fd, "ok\n");
          trace("network: gate open");
        },
        (e: unknown) => {
          error = e instanceof WharfError ? e : new WharfError("runtime", String(e));
          if (gate) failGate(gate.path);
          close();
        },
      );
  return { done, state: () => state, ready: () => ready, error: () => error, close };
}

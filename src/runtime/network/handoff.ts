/**
 * A detached start's network, made by the starter while the shim loads (a Node process takes longer
 * to load than a bridge to set up) and handed to the shim on a pipe (its fd 3), as JSON lines: the
 * set-up (or the error) as soon as the interfaces are made, then, when it publishes ports, whether
 * they are mapped (the shim starts runc meanwhile, and records the start once they are). A shim
 * that gets nothing (the starter died) makes the network itself, after releasing whatever the
 * starter had made.
 */
import { createReadStream } from "node:fs";
import type { Writable } from "node:stream";
import { type ErrorCode, WharfError } from "../../errors/index.js";
import type { ContainerRecord, RuntimeContext } from "../types.js";
import { attachNetworks, type NetSetup } from "./attach.js";
import { releaseNetworks } from "./detach.js";

interface WireError {
  code: string;
  message: string;
  hint?: string;
}

/** One line: the set-up (`ports`: a second line will say how their mapping went), or an error. */
type Line = { setup: Omit<NetSetup, "ready">; ports: boolean } | { error: WireError } | { ready: true };

function wire(e: unknown): WireError {
  const err = e instanceof WharfError ? e : new WharfError("runtime", String(e));
  return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
}

function unwire(w: WireError): WharfError {
  return new WharfError(w.code as ErrorCode, w.message, w.hint ? { hint: w.hint } : {});
}

function send(pipe: Writable, line: Line, end: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const text = `${JSON.stringify(line)}\n`;
    if (end) pipe.end(text, () => resolve(true));
    else pipe.write(text, (e) => resolve(!e));
  });
}

/** The starter's side: makes the network, writes it to `pipe` (then how its ports went), ends it. */
export async function handNetwork(ctx: RuntimeContext, rec: ContainerRecord, pipe: Writable): Promise<void> {
  let delivered = false;
  pipe.on("error", () => undefined);
  let setup: NetSetup;
  try {
    setup = await attachNetworks(ctx, rec, rec.options.hostname ?? rec.id.slice(0, 12));
  } catch (e) {
    await send(pipe, { error: wire(e) }, true);
    return;
  }
  const { ready, ...rest } = setup;
  delivered = await send(pipe, { setup: rest, ports: ready !== undefined }, ready === undefined);
  if (ready) {
    // A failed mapping reaches the shim, which stops the container and releases its network.
    const outcome: Line | { error: WireError } = await ready.then(
      (): Line => ({ ready: true }),
      (e: unknown) => ({ error: wire(e) }),
    );
    delivered = (await send(pipe, outcome, true)) && delivered;
  }
  // The shim is gone (it failed to load): nobody else will release what was made for it.
  if (!delivered) await releaseNetworks(ctx, rec).catch(() => undefined);
}

/** The shim's side: what the starter hands over on `fd`; undefined when nothing came. */
export function receiveNetwork(fd: number): Promise<NetSetup | undefined> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    let settle: ((e?: WharfError) => void) | undefined;
    let got = false;
    const stream = createReadStream("", { fd });
    const take = (line: Line) => {
      if ("setup" in line) {
        got = true;
        const setup: NetSetup = { ...line.setup };
        if (line.ports) {
          setup.ready = new Promise<void>((ok, fail) => {
            settle = (e) => (e ? fail(e) : ok());
          });
          setup.ready.catch(() => undefined);
        }
        resolve(setup);
      } else if ("error" in line) {
        if (settle) settle(unwire(line.error));
        else reject(unwire(line.error));
        settle = undefined;
      } else {
        settle?.();
        settle = undefined;
      }
    };
    stream.on("data", (c) => {
      buffered += (c as Buffer).toString("utf8");
      for (let i = buffered.indexOf("\n"); i >= 0; i = buffered.indexOf("\n")) {
        const text = buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
        try {
          take(JSON.parse(text) as Line);
        } catch {
          // not a line of this protocol: ignored
        }
      }
    });
    const end = () => {
      settle?.(new WharfError("runtime", "the starter ended before the container's ports were mapped"));
      settle = undefined;
      if (!got) resolve(undefined);
    };
    stream.on("error", end);
    stream.on("end", end);
  });
}

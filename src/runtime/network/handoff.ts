/**
 * A detached start's network, made by the starter while the shim loads (a Node process takes longer
 * to load than a bridge to set up) and handed to the shim on a pipe (its fd 3): one JSON document,
 * the set-up or the error, then the end. A shim that gets nothing (the starter died) makes the
 * network itself, after releasing whatever the starter had made.
 */
import { createReadStream } from "node:fs";
import type { Writable } from "node:stream";
import { type ErrorCode, WharfError } from "../../errors/index.js";
import type { ContainerRecord, RuntimeContext } from "../types.js";
import { attachNetworks, type NetSetup } from "./attach.js";
import { releaseNetworks } from "./detach.js";

type Handed =
  | { setup: Omit<NetSetup, "ready"> }
  | { error: { code: string; message: string; hint?: string } };

/** The starter's side: makes the network (its ports mapped too), writes it to `pipe`, ends it. */
export async function handNetwork(ctx: RuntimeContext, rec: ContainerRecord, pipe: Writable): Promise<void> {
  let doc: Handed;
  try {
    const { ready, ...setup } = await attachNetworks(ctx, rec, rec.options.hostname ?? rec.id.slice(0, 12));
    // Ports that cannot be mapped: the start fails, and nothing of its network is left.
    await ready?.catch(async (e: unknown) => {
      await releaseNetworks(ctx, rec).catch(() => undefined);
      throw e;
    });
    doc = { setup };
  } catch (e) {
    const err = e instanceof WharfError ? e : new WharfError("runtime", String(e));
    doc = { error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } };
  }
  const delivered = await new Promise<boolean>((resolve) => {
    pipe.on("error", () => resolve(false));
    pipe.end(JSON.stringify(doc), () => resolve(true));
  });
  // The shim is gone (it failed to load): nobody will release what was made for it.
  if (!delivered && "setup" in doc) await releaseNetworks(ctx, rec).catch(() => undefined);
}

/** The shim's side: what the starter handed over on `fd`; undefined when nothing came. */
export function receiveNetwork(fd: number): Promise<NetSetup | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const stream = createReadStream("", { fd });
    stream.on("data", (c) => chunks.push(c as Buffer));
    stream.on("error", () => resolve(undefined));
    stream.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (text === "") return resolve(undefined);
      try {
        const doc = JSON.parse(text) as Handed;
        if ("error" in doc) {
          const { code, message, hint } = doc.error;
          reject(new WharfError(code as ErrorCode, message, hint ? { hint } : {}));
        } else resolve(doc.setup);
      } catch {
        resolve(undefined);
      }
    });
  });
}

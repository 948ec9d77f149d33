import type { FileHandle } from "node:fs/promises";
import type { Writable } from "node:stream";
import { WharfError } from "../../errors/index.js";
import type { FileSender } from "./types.js";

/** The most a read asks for, and the size of each of the two buffers (smaller for a smaller file). */
const SEND_CHUNK = 1 << 20;

const closedEarly = () =>
  Object.assign(new Error("the client closed the connection"), { code: "ECONNRESET" as const });

/**
 * Sends an open file to a stream through two buffers, read into in turn and each written out
 * before it is read into again (its write's callback: the bytes are in the socket). `reader` +
 * `pipeline` allocates a fresh 1 MiB Buffer per read, which for a 1 GiB blob is 1,024 external
 * allocations, their page faults and the garbage collections they set off: a registry serving
 * 1 GiB spent ~0.25 s of its ~0.9 CPU s in GC that way (src/registry/README.md, CPU).
 */
export function fileSender(fh: FileHandle, offset: number, path: string): FileSender {
  let pos = offset;
  return {
    async sendTo(out: Writable, length: number): Promise<void> {
      const size = Math.min(SEND_CHUNK, Math.max(1, length));
      const bufs =
        length > size
          ? [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)]
          : [Buffer.allocUnsafeSlow(size)];
      const inFlight: Promise<void>[] = bufs.map(() => Promise.resolve());
      let onClose: (() => void) | undefined;
      const closed = new Promise<never>((_, reject) => {
        onClose = () => reject(closedEarly());
        out.once("close", onClose);
      });
      closed.catch(() => undefined);
      const written = (chunk: Uint8Array) =>
        new Promise<void>((resolve, reject) => {
          out.write(chunk, (e) => (e ? reject(e) : resolve()));
        });
      try {
        let left = length;
        for (let i = 0; left > 0; i = (i + 1) % bufs.length) {
          const buf = bufs[i] as Buffer;
          await Promise.race([inFlight[i], closed]);
          const { bytesRead } = await fh.read(buf, 0, Math.min(buf.byteLength, left), pos);
          if (bytesRead === 0) {
            throw new WharfError("internal", `${path} ended ${left} bytes early`);
          }
          pos += bytesRead;
          left -= bytesRead;
          const w = written(buf.subarray(0, bytesRead));
          w.catch(() => undefined);
          inFlight[i] = w;
        }
        await Promise.race([Promise.all(inFlight), closed]);
      } finally {
        if (onClose) out.off("close", onClose);
      }
    },
    close: () => fh.close(),
  };
}

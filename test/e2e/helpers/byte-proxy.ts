import { connect, createServer, type Socket } from "node:net";

export interface ByteProxy {
  /** `127.0.0.1:<port>`: use it as the registry host. */
  host: string;
  /** Bytes sent from the upstream to clients since the start or the last `reset()`. */
  received(): number;
  reset(): void;
  /** Caps the upstream-to-client rate (bytes per second, all connections together); 0 lifts it. */
  throttle(bytesPerSecond: number): void;
  /** Closes the listener and every connection. */
  close(): Promise<void>;
}

/**
 * A TCP proxy on a loopback port to `127.0.0.1:<upstreamPort>` that counts (and can slow down) what
 * the upstream sends: how many bytes a client really downloaded, and time to interrupt it.
 */
export async function startByteProxy(upstreamPort: number): Promise<ByteProxy> {
  let received = 0;
  let rate = 0;
  let windowStart = Date.now();
  let windowBytes = 0;
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => s.destroy());
  };
  const server = createServer((client) => {
    const upstream = connect(upstreamPort, "127.0.0.1");
    track(client);
    track(upstream);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      received += chunk.byteLength;
      if (!client.write(chunk)) {
        upstream.pause();
        client.once("drain", () => upstream.resume());
      }
      if (rate > 0) {
        windowBytes += chunk.byteLength;
        const due = windowStart + (windowBytes / rate) * 1000 - Date.now();
        if (due > 0) {
          upstream.pause();
          setTimeout(() => upstream.resume(), due);
        }
      }
    });
    upstream.on("end", () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    host: `127.0.0.1:${port}`,
    received: () => received,
    reset: () => {
      received = 0;
    },
    throttle: (bytesPerSecond) => {
      rate = bytesPerSecond;
      windowStart = Date.now();
      windowBytes = 0;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

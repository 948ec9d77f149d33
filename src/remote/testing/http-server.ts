import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface TinyServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>` */
  host: string;
  port: number;
  /** Every request seen: method, path with query, headers. */
  seen: { method: string; url: string; headers: IncomingMessage["headers"] }[];
  close(): Promise<void>;
}

/** A small HTTP server on a loopback port for client tests; it records what it was asked. */
export async function startServer(
  handle: (req: IncomingMessage, res: ServerResponse, server: TinyServer) => void | Promise<void>,
  hostname = "127.0.0.1",
): Promise<TinyServer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, hostname, resolve));
  const port = (server.address() as AddressInfo).port;
  const host = hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
  const state: TinyServer = {
    url: `http://${host}`,
    host,
    port,
    seen: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on("request", (req, res) => {
    state.seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    Promise.resolve(handle(req, res, state)).catch((e: unknown) => {
      res.statusCode = 500;
      res.end(String(e));
    });
  });
  return state;
}

/** Reads a request body (small test bodies only). */
export async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

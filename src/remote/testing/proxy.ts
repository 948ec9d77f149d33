import { request } from "node:http";
import { startServer, type TinyServer } from "./http-server.js";

/** What the proxy does to one response body. */
export type Tamper =
  | { kind: "pass"; dropHeaders?: string[] }
  /** Sends this many body bytes, then breaks the connection. */
  | { kind: "cut"; after: number }
  /** Flips one byte of the body (same length, wrong content). */
  | { kind: "corrupt" }
  /** Sends extra bytes after the body. */
  | { kind: "extend"; extra: number }
  /** Answers with this status itself, forwarding nothing. */
  | { kind: "status"; status: number };

/**
 * A forwarding proxy in front of a registry that can misbehave on chosen requests: the lying or
 * failing server of the client's tests. `decide` sees each request's method and path.
 */
export async function startTamperingProxy(
  target: string,
  decide: (method: string, path: string, headers: Record<string, string | string[] | undefined>) => Tamper,
): Promise<TinyServer> {
  const to = new URL(target);
  return startServer(async (req, res) => {
    const tamper = decide(req.method ?? "GET", req.url ?? "/", req.headers);
    if (tamper.kind === "status") {
      req.resume();
      req.on("end", () => {
        res.statusCode = tamper.status;
        res.end();
      });
      return;
    }
    const up = request(
      {
        host: to.hostname,
        port: to.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (upRes) => {
        const headers = { ...upRes.headers };
        if (tamper.kind === "extend" && headers["content-length"] !== undefined)
          delete headers["content-length"];
        if (tamper.kind === "pass") for (const h of tamper.dropHeaders ?? []) delete headers[h];
        res.writeHead(upRes.statusCode ?? 502, headers);
        let sent = 0;
        let flipped = false;
        upRes.on("data", (c: Buffer) => {
          let chunk = c;
          if (tamper.kind === "cut") {
            const room = tamper.after - sent;
            if (room <= 0) return;
            if (chunk.byteLength >= room) {
              res.write(chunk.subarray(0, room));
              sent += room;
              res.flushHeaders();
              setTimeout(() => res.socket?.destroy(), 20);
              return;
            }
          }
          if (tamper.kind === "corrupt" && !flipped && chunk.byteLength > 0) {
            chunk = Buffer.from(chunk);
            chunk[0] = (chunk[0] ?? 0) ^ 0xff;
            flipped = true;
          }
          sent += chunk.byteLength;
          res.write(chunk);
        });
        upRes.on("end", () => {
          if (tamper.kind === "cut" && sent >= tamper.after) return;
          if (tamper.kind === "extend") res.write(Buffer.alloc(tamper.extra, 7));
          res.end();
        });
      },
    );
    up.on("error", () => {
      res.statusCode = 502;
      res.end();
    });
    req.pipe(up);
  });
}

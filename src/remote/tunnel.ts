import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { WharfError } from "../errors/index.js";
import { proxyAuthorization, proxyRefused } from "./proxy-env.js";

type Created = (err: Error | null, socket?: Duplex) => void;

/**
 * An HTTPS agent whose connections are TLS inside an HTTP proxy's `CONNECT` tunnel, pooled and
 * kept alive as any agent's (TLS is end to end: the proxy sees only the host and port). Written
 * here because Node has no proxy support of its own and the tunnel is one request: Node's agent
 * takes a `createConnection` that hands its socket to a callback.
 */
export function tunnelAgent(proxy: URL, options: https.AgentOptions): https.Agent {
  const agent = new https.Agent(options);
  const connect = (
    opts: tls.ConnectionOptions & { host?: string; port?: number },
    done: Created,
  ): undefined => {
    const target = `${opts.host}:${opts.port ?? 443}`;
    const req = http.request({
      host: proxy.hostname,
      port: proxy.port || 80,
      method: "CONNECT",
      path: target,
      headers: { host: target, ...proxyAuthorization(proxy) },
    });
    req.once("connect", (res, socket) => {
      if (res.statusCode === 407) {
        socket.destroy();
        done(proxyRefused(proxy, "HTTPS_PROXY"));
        return;
      }
      if (res.statusCode !== 200) {
        socket.destroy();
        done(
          new WharfError(
            "network",
            `the proxy ${proxy.host} refused a tunnel to ${target}: ${res.statusCode} ${res.statusMessage ?? ""}`.trim(),
            {
              hint: "check HTTPS_PROXY (and its credentials) and NO_PROXY",
            },
          ),
        );
        return;
      }
      // SNI names a host, never an address (as Node's own agent decides).
      const host = opts.host ?? "";
      const servername = opts.servername ?? (isIP(host) ? "" : host);
      const secure = tls.connect({ ...opts, socket, ...(servername ? { servername } : {}) });
      done(null, secure);
    });
    req.once("error", (e) => done(e));
    req.end();
    return undefined;
  };
  Object.assign(agent, { createConnection: connect });
  return agent;
}

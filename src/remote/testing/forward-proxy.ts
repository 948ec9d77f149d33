import { createServer, request } from "node:http";
import { type AddressInfo, connect } from "node:net";

export interface ForwardProxy {
  /** `http://127.0.0.1:<port>` (with `user:pass@` when it asks for credentials). */
  url: string;
  /** What went through it: `CONNECT host:port` or `GET http://...`. */
  seen: string[];
  close(): Promise<void>;
}

/**
 * A forward HTTP proxy on a loopback port, as a corporate proxy: `CONNECT` tunnels and absolute-URI
 * requests. It resolves names itself through `hosts` (name → address), so a test can give a
 * registry on 127.0.0.1 a name that only the proxy knows; `credentials` makes it answer 407
 * without that `Proxy-Authorization`.
 */
export async function startForwardProxy(
  hosts: Record<string, string>,
  credentials?: { user: string; password: string },
): Promise<ForwardProxy> {
  const seen: string[] = [];
  const want = credentials
    ? `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString("base64")}`
    : undefined;
  const resolve = (host: string) => hosts[host] ?? host;
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (want && req.headers["proxy-authorization"] !== want) {
      res.writeHead(407, { "proxy-authenticate": 'Basic realm="test"' }).end();
      return;
    }
    const url = new URL(req.url ?? "");
    const { "proxy-authorization": _a, ...headers } = req.headers;
    const out = request(
      {
        host: resolve(url.hostname),
        port: url.port || 80,
        path: `${url.pathname}${url.search}`,
        method: req.method,
        headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on("error", () => res.writeHead(502).end());
    req.pipe(out);
  });
  server.on("connect", (req, client, head) => {
    seen.push(`CONNECT ${req.url}`);
    if (want && req.headers["proxy-authorization"] !== want) {
      client.end("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
      return;
    }
    const [host = "", port = "443"] = (req.url ?? "").split(":");
    const up = connect(Number(port), resolve(host), () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on("error", () => client.destroy());
    client.on("error", () => up.destroy());
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  const auth = credentials ? `${credentials.user}:${credentials.password}@` : "";
  return {
    url: `http://${auth}127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

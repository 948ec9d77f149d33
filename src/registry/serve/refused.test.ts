import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { configFrom, parseConfigText } from "../config/index.js";
import { startRegistryServer } from "./serve.js";

const config = () =>
  configFrom(parseConfigText("version: 0.1\nstorage:\n  inmemory:\nlog:\n  formatter: json\n", "t"), {
    wharfRoot: "/nonexistent",
    flags: { addr: "127.0.0.1:0" },
  });

/**
 * Sends a raw HTTP/1.1 request whose body goes out in `Transfer-Encoding: chunked` chunks, and
 * returns the status line the server answered with (the server may close the connection early).
 */
function chunkedPut(url: string, path: string, chunks: number, chunkSize: number): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), hostname);
    let answer = "";
    sock.on("data", (d) => {
      answer += d.toString("latin1");
    });
    sock.on("error", (e) => {
      // The server may reset the connection after answering; the answer is what counts.
      if (answer) resolve(answer.split("\r\n")[0] ?? "");
      else reject(e);
    });
    sock.on("close", () => resolve(answer.split("\r\n")[0] ?? ""));
    sock.write(
      `PUT ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
        "Content-Type: application/vnd.oci.image.manifest.v1+json\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    const chunk = Buffer.alloc(chunkSize, 0x20);
    let sent = 0;
    const next = () => {
      while (sent < chunks) {
        sent++;
        sock.write(`${chunkSize.toString(16)}\r\n`);
        sock.write(chunk);
        if (!sock.write("\r\n")) {
          sock.once("drain", next);
          return;
        }
      }
      sock.end("0\r\n\r\n");
    };
    sock.on("connect", next);
  });
}

describe("requests the server refuses", () => {
  it("logs a chunked manifest PUT over the limit once, with its 413, and nothing else", async () => {
    const lines: string[] = [];
    const reg = await startRegistryServer({ config: config(), write: (l) => lines.push(l) });
    try {
      const status = await chunkedPut(reg.url, "/v2/big/manifests/v1", 5, 1 << 20);
      expect(status).toBe("HTTP/1.1 413 Payload Too Large");
      // The log record is written once the handler has finished; give it a moment.
      for (let i = 0; i < 50 && !lines.some((l) => l.includes("/v2/big/")); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await reg.close({ force: true });
    }
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const refused = records.filter((r) => r["http.request.uri"] === "/v2/big/manifests/v1");
    expect(refused).toEqual([
      expect.objectContaining({
        level: "info",
        msg: "response completed",
        "http.request.method": "PUT",
        "http.response.status": 413,
        "http.request.remoteaddr": "127.0.0.1",
        "err.code": "SIZE_INVALID",
      }),
    ]);
    expect(records.filter((r) => r.level === "error")).toEqual([]);
  });

  it("logs an upload whose client hung up mid-body once", async () => {
    const lines: string[] = [];
    const reg = await startRegistryServer({ config: config(), write: (l) => lines.push(l) });
    let path = "";
    try {
      const post = await fetch(`${reg.url}/v2/gone/blobs/uploads/`, { method: "POST" });
      path = post.headers.get("location") ?? "";
      const { hostname, port } = new URL(reg.url);
      await new Promise<void>((resolve) => {
        const sock = connect(Number(port), hostname, () => {
          sock.write(`PATCH ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n`);
          sock.write(Buffer.alloc(1000));
          setTimeout(() => sock.destroy(), 50);
        });
        sock.on("close", () => resolve());
        sock.on("error", () => undefined);
      });
      for (let i = 0; i < 50 && !lines.some((l) => l.includes('"PATCH"')); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await reg.close({ force: true });
    }
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.filter((r) => r["http.request.method"] === "PATCH")).toEqual([
      expect.objectContaining({ msg: "response completed", "http.request.uri": path }),
    ]);
    expect(records.filter((r) => r.level === "error")).toEqual([]);
  });
});

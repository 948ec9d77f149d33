import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { postEnvelope } from "./send.js";
import { ENVELOPE_TYPE, type Event } from "./types.js";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

async function receiver(answer: (n: number) => number | "hang") {
  const got: { headers: IncomingHttpHeaders; body: string; method: string }[] = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      got.push({ headers: req.headers, body, method: req.method ?? "" });
      const a = answer(got.length);
      if (a !== "hang") res.writeHead(a).end();
    });
  });
  await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got };
}

const event = { id: "e", action: "pull" } as unknown as Event;

describe("postEnvelope", () => {
  it("POSTs the envelope with its type and the configured headers", async () => {
    const r = await receiver(() => 200);
    await postEnvelope(r.url, { Authorization: ["Bearer t"], "X-Multi": ["one", "two"] }, [event], 1000);
    expect(r.got).toHaveLength(1);
    const g = r.got[0];
    expect(g?.method).toBe("POST");
    expect(g?.headers["content-type"]).toBe(ENVELOPE_TYPE);
    expect(g?.headers.authorization).toBe("Bearer t");
    expect(g?.headers["x-multi"]).toBe("one, two");
    expect(JSON.parse(g?.body ?? "")).toEqual({ events: [{ id: "e", action: "pull" }] });
  });

  it("takes 2xx and 3xx as delivered, anything else as a failure", async () => {
    const codes = [204, 304, 400, 500];
    const r = await receiver((n) => codes[n - 1] ?? 200);
    await expect(postEnvelope(r.url, {}, [event], 1000)).resolves.toBeUndefined();
    await expect(postEnvelope(r.url, {}, [event], 1000)).resolves.toBeUndefined();
    await expect(postEnvelope(r.url, {}, [event], 1000)).rejects.toThrow(/400/);
    await expect(postEnvelope(r.url, {}, [event], 1000)).rejects.toThrow(/500/);
  });

  it("fails after the timeout when the endpoint does not answer", async () => {
    const r = await receiver(() => "hang");
    const started = Date.now();
    await expect(postEnvelope(r.url, {}, [event], 200)).rejects.toThrow(/no answer within 200 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { ENVELOPE_TYPE, type Event } from "./types.js";

/**
 * POSTs one envelope (`{"events":[...]}`) to `url`; resolves on a 2xx or 3xx answer (Distribution
 * 2.8.2 takes a 304 as delivered and retries a 400), rejects on any other status, a network error,
 * or when the whole exchange takes longer than `timeoutMs`.
 */
export function postEnvelope(
  url: string,
  headers: Record<string, string[]>,
  events: Event[],
  timeoutMs: number,
): Promise<void> {
  const body = Buffer.from(JSON.stringify({ events }));
  const target = new URL(url);
  const request = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<void>((resolve, reject) => {
    const req = request(target, {
      method: "POST",
      headers: {
        ...headers,
        "Content-Type": ENVELOPE_TYPE,
        "Content-Length": body.length,
        "User-Agent": "wharf-registry",
      },
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
    req.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => {
        clearTimeout(timer);
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 400) resolve();
        else reject(new Error(`endpoint answered ${status}`));
      });
      res.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    req.end(body);
  });
}

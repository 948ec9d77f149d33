import { setTimeout as sleep } from "node:timers/promises";
import { WharfError } from "../errors/index.js";
import { type HttpRequest, header, isTransientError, type Middleware } from "./http.js";

/** Sets `User-Agent` on every request. */
export function userAgent(value: string): Middleware {
  return (next) => (req) => next({ ...req, headers: { ...req.headers, "user-agent": value } });
}

export interface RetryOptions {
  /** Attempts in all, the first included (default 5). */
  attempts?: number;
  /** The first back-off delay; it doubles each time, with jitter (default 250 ms). */
  baseDelayMs?: number;
  /** The longest wait, also for `Retry-After` (default 10 s). */
  maxDelayMs?: number;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);

function replayable(req: HttpRequest): boolean {
  return (
    req.retry !== false &&
    (req.body === undefined || typeof req.body === "function" || req.body instanceof Uint8Array)
  );
}

function retryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * Retries, with exponential back-off and jitter, requests answered 408/429/5xx or whose connection
 * broke (reset, timeout). Bounded: after the last attempt the answer (or error) is returned as is.
 */
export function retry(opts: RetryOptions = {}): Middleware {
  const attempts = Math.max(1, opts.attempts ?? 5);
  const base = opts.baseDelayMs ?? 250;
  const max = opts.maxDelayMs ?? 10_000;
  const delay = (n: number, hinted?: number) =>
    Math.min(max, hinted ?? base * 2 ** n * (0.5 + Math.random() / 2));
  return (next) => async (req) => {
    if (!replayable(req)) return next(req);
    for (let n = 0; ; n++) {
      const last = n + 1 >= attempts;
      let res: Awaited<ReturnType<typeof next>>;
      try {
        res = await next(req);
      } catch (e) {
        if (last || !isTransientError(e) || req.signal?.aborted) throw e;
        await sleep(delay(n), undefined, req.signal ? { signal: req.signal } : {});
        continue;
      }
      if (last || !RETRY_STATUS.has(res.status)) return res;
      res.discard();
      await sleep(
        delay(n, retryAfterMs(header(res, "retry-after"))),
        undefined,
        req.signal ? { signal: req.signal } : {},
      );
    }
  };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/**
 * Follows redirects (blob downloads are often sent to a storage host). The registry's
 * `Authorization` goes only to the registry's own origin, never to another host.
 */
export function redirects(): Middleware {
  return (next) => async (req) => {
    const origin = req.url.origin;
    let cur = req;
    for (let hop = 0; ; hop++) {
      const res = await next(cur);
      if (!REDIRECTS.has(res.status) || cur.followRedirects === false) return res;
      const location = header(res, "location");
      const bodyless = cur.method === "GET" || cur.method === "HEAD";
      if (location === undefined || (!bodyless && !(res.status === 307 || res.status === 308))) return res;
      res.discard();
      if (hop >= MAX_REDIRECTS) {
        throw new WharfError("network", `too many redirects from ${req.url.host}`, {
          hint: "the registry or its storage is misconfigured",
        });
      }
      const url = new URL(location, cur.url);
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new WharfError("network", `refusing a redirect to ${url.protocol} from ${req.url.host}`);
      }
      const headers = { ...cur.headers };
      if (url.origin !== origin) delete headers.authorization;
      const method = res.status === 303 && !bodyless ? "GET" : cur.method;
      cur = { ...cur, url, headers, method, ...(method !== cur.method ? { body: undefined } : {}) };
    }
  };
}

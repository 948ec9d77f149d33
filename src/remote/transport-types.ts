import type { RegistryAuth } from "./authorize.js";
import type { HttpRequest, HttpResponse } from "./http.js";

/** A request to the registry: `path` is resolved against its base (`/v2/...` or an absolute URL). */
export interface RegistryRequest extends Omit<HttpRequest, "url"> {
  path: string;
}

export interface PingResult {
  /** `https://host:port` or `http://host:port`. */
  base: URL;
  /** The auth scheme the registry asked for, if any. */
  auth: "bearer" | "basic" | undefined;
}

/** One registry's connection: scheme choice, ping, auth, retries, redirects, keep-alive. */
export interface Transport {
  /** The registry as references name it: `docker.io`, `localhost:5000`. */
  readonly domain: string;
  /** `GET /v2/` once: picks the scheme and learns the auth challenge. */
  ping(): Promise<PingResult>;
  request(req: RegistryRequest): Promise<HttpResponse>;
  /** The auth state (login uses it to check credentials). */
  readonly auth: RegistryAuth;
  /** Closes idle connections. */
  close(): void;
}

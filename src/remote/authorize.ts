import type { CredentialSource, Credentials } from "../auth/index.js";
import { collect } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { type Challenge, parseChallenges } from "./challenge.js";
import type { Handler, HttpRequest, HttpResponse, Middleware } from "./http.js";

export interface AuthorizerOptions {
  /** The registry as references name it (`localhost:5000`), for the credential lookup. */
  domain: string;
  credentials?: CredentialSource;
  /** Sends token requests (a chain without this middleware). */
  send: Handler;
  /** The clock, in milliseconds (tests move it). */
  now?: () => number;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** What a token endpoint answered: the token, and a refresh token when one was asked for. */
export interface TokenGrant {
  token: string;
  expiresIn: number;
  refreshToken?: string;
}

/**
 * Registry authentication from the `WWW-Authenticate` challenge: Docker's token flow (anonymous or
 * with credentials, a token per scope set cached until it expires) or HTTP basic. Once the
 * challenge is known (from the ping), requests carry their authorization up front; a 401 teaches
 * the challenge, refreshes the token once, and replays the request.
 */
export class RegistryAuth {
  private challenge: Challenge | undefined;
  private creds: Promise<Credentials | undefined> | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<string>>();
  private readonly now: () => number;

  constructor(private readonly opts: AuthorizerOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Records the challenge of a 401 answer; returns true when it holds one wharf can answer. */
  learn(res: Pick<HttpResponse, "headers">): boolean {
    const all = parseChallenges(res.headers["www-authenticate"]);
    const pick =
      all.find((c) => c.scheme === "bearer" && c.params.realm) ?? all.find((c) => c.scheme === "basic");
    if (pick) this.challenge = pick;
    return pick !== undefined;
  }

  get scheme(): "bearer" | "basic" | undefined {
    return this.challenge?.scheme as "bearer" | "basic" | undefined;
  }

  credentials(): Promise<Credentials | undefined> {
    this.creds ??= this.opts.credentials?.(this.opts.domain) ?? Promise.resolve(undefined);
    return this.creds;
  }

  /** The `Authorization` value for a request needing `scopes`, or undefined to go anonymous. */
  async authorization(scopes: string[] = [], refresh = false): Promise<string | undefined> {
    const c = this.challenge;
    if (c === undefined) return undefined;
    const creds = await this.credentials();
    if (c.scheme === "basic") {
      if (!creds || (creds.username === "" && creds.password === "")) return undefined;
      return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
    }
    if (creds?.registryToken) return `Bearer ${creds.registryToken}`;
    const key = [...new Set(scopes)].sort().join(" ");
    const cached = this.tokens.get(key);
    if (!refresh && cached && this.now() + 1000 < cached.expiresAt) return `Bearer ${cached.token}`;
    let p = this.pending.get(key);
    if (!p) {
      p = this.fetchToken([...new Set(scopes)].sort(), creds, false)
        .then((g) => {
          this.tokens.set(key, { token: g.token, expiresAt: this.now() + g.expiresIn * 1000 });
          return g.token;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return `Bearer ${await p}`;
  }

  /** Asks the token endpoint for a token (with `offline` also for a refresh token, as login does). */
  async fetchToken(scopes: string[], creds: Credentials | undefined, offline: boolean): Promise<TokenGrant> {
    const c = this.challenge;
    if (c?.scheme !== "bearer" || !c.params.realm) {
      throw new WharfError("unauthorized", `${this.opts.domain} did not offer a token endpoint`);
    }
    let realm: URL;
    try {
      realm = new URL(c.params.realm);
    } catch {
      throw new WharfError("network", `${this.opts.domain} sent an invalid token realm`, {
        hint: "the registry's auth configuration is broken",
      });
    }
    const service = c.params.service;
    let req: HttpRequest;
    if (creds?.identityToken) {
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: creds.identityToken,
        client_id: "wharf",
        ...(service ? { service } : {}),
        ...(scopes.length ? { scope: scopes.join(" ") } : {}),
        ...(offline ? { access_type: "offline" } : {}),
      });
      req = {
        method: "POST",
        url: realm,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: Buffer.from(form.toString()),
      };
    } else {
      const url = new URL(realm);
      if (service) url.searchParams.set("service", service);
      for (const s of scopes) url.searchParams.append("scope", s);
      const headers: Record<string, string> = {};
      if (creds && (creds.username !== "" || creds.password !== "")) {
        url.searchParams.set("account", creds.username);
        headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
      }
      if (offline) {
        url.searchParams.set("offline_token", "true");
        url.searchParams.set("client_id", "wharf");
      }
      req = { method: "GET", url, headers };
    }
    const res = await this.opts.send(req);
    if (res.status !== 200) {
      res.discard();
      throw this.tokenError(res.status, creds);
    }
    const doc = parseJson(await collect(res.body, 1 << 20));
    const token = str(doc.token) ?? str(doc.access_token);
    if (!token) {
      throw new WharfError("network", `the token endpoint of ${this.opts.domain} returned no token`, {
        hint: "the registry's auth configuration is broken",
      });
    }
    const expires = typeof doc.expires_in === "number" && doc.expires_in > 0 ? doc.expires_in : 60;
    const refreshToken = str(doc.refresh_token);
    return { token, expiresIn: expires, ...(refreshToken ? { refreshToken } : {}) };
  }

  private tokenError(status: number, creds: Credentials | undefined): WharfError {
    const d = this.opts.domain;
    if (status === 401 || status === 403) {
      return creds
        ? new WharfError("unauthorized", `${d}: unauthorized: incorrect username or password`, {
            hint: `check your credentials, then run: wharf login ${d}`,
          })
        : new WharfError("unauthorized", `${d}: authentication required`, { hint: `run: wharf login ${d}` });
    }
    return new WharfError(
      status === 429 ? "too-many-requests" : "network",
      `token request to ${d} failed with HTTP ${status}`,
      {
        hint: "try again later; if it persists, check the registry's auth service",
      },
    );
  }

  /** The middleware: authorization up front, one learn-refresh-replay on 401. */
  middleware(): Middleware {
    return (next) => async (req) => {
      if (req.headers?.authorization) return next(req);
      const first = await this.authorization(req.scopes);
      const res = await next(withAuthorization(req, first));
      if (res.status !== 401 || res.url.origin !== req.url.origin) return res;
      const before = this.scheme;
      if (!this.learn(res)) return res;
      const wanted = [...(req.scopes ?? [])];
      const extra = this.challenge?.params.scope;
      if (extra) wanted.push(...extra.split(" ").filter((s) => s !== ""));
      let second: string | undefined;
      try {
        second = await this.authorization(wanted, true);
      } catch (e) {
        res.discard();
        throw e;
      }
      if (second === undefined && this.scheme === "basic") {
        // As Docker's client: a registry that wants basic auth gets nothing more without credentials.
        res.discard();
        throw new WharfError("unauthorized", "no basic auth credentials", {
          hint: `log in first: wharf login ${this.opts.domain}`,
        });
      }
      if (second === undefined || (second === first && before === this.scheme && this.scheme === "basic"))
        return res;
      res.discard();
      return next(withAuthorization({ ...req, scopes: wanted }, second));
    };
  }
}

function withAuthorization(req: HttpRequest, value: string | undefined): HttpRequest {
  return value === undefined ? req : { ...req, headers: { ...req.headers, authorization: value } };
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function parseJson(b: Buffer): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(b.toString("utf8"));
    if (typeof v === "object" && v !== null) return v as Record<string, unknown>;
  } catch {
    // below
  }
  throw new WharfError("network", "the token endpoint returned invalid JSON", {
    hint: "the registry's auth configuration is broken",
  });
}

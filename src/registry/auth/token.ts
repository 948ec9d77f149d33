import type { KeyObject } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { type JWTPayload, jwtVerify } from "jose";
import { quoted } from "./basic.js";
import type { KeyHints } from "./keys.js";
import { covers, formatScope, mergeAccess, parseScopes } from "./scope.js";
import type { Access, Authorizer, AuthResult } from "./types.js";

export interface TokenAuthorizerOptions {
  /** The token endpoint named in the challenge; a function computes it per request (built-in server). */
  realm: string | ((req: IncomingMessage) => string);
  /** The registry's service name: the tokens' audience. */
  service: string;
  /** The `iss` the tokens must carry. */
  issuer: string;
  /** Finds the trusted key a token names (see `trustedKeyResolver`). */
  resolveKey: (hints: KeyHints) => KeyObject;
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat` (default 60). */
  leeway?: number;
  /** Serves the built-in token endpoint, when there is one. */
  handle?: Authorizer["handle"];
}

const ALGORITHMS = ["ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"];
const CACHE_MAX = 1024;

interface Verified {
  subject: string | undefined;
  access: Access[];
  /** Expiry in ms since the epoch. */
  exp: number;
}

/** Reads the `access` claim: `[{type, name, actions}]`; malformed entries are dropped. */
export function accessClaim(payload: JWTPayload): Access[] {
  const raw = payload.access;
  if (!Array.isArray(raw)) return [];
  const out: Access[] = [];
  for (const item of raw as unknown[]) {
    if (typeof item !== "object" || item === null) continue;
    const { type, name, actions } = item as Record<string, unknown>;
    if ((type !== "repository" && type !== "registry") || typeof name !== "string" || !Array.isArray(actions))
      continue;
    const scope = `${type}:${name}:${actions.filter((a) => typeof a === "string").join(",")}`;
    out.push(...parseScopes(scope));
  }
  return out;
}

/**
 * Docker's token authentication, as Distribution's `auth.token`: a request needs
 * `Authorization: Bearer <JWT>` signed by a trusted key, issued by `issuer` for `service`, unexpired,
 * whose `access` claim covers what the request needs. Otherwise 401 with
 * `WWW-Authenticate: Bearer realm="...",service="...",scope="repository:<name>:pull,push"` (plus
 * `error="invalid_token"` or `error="insufficient_scope"`), which sends clients to the realm for a token.
 */
export function tokenAuthorizer(opts: TokenAuthorizerOptions): Authorizer {
  const cache = new Map<string, Verified>();
  const leeway = opts.leeway ?? 60;

  const challenge = (req: IncomingMessage, access: Access[], error?: string): string => {
    const realm = typeof opts.realm === "string" ? opts.realm : opts.realm(req);
    let c = `Bearer realm=${quoted(realm)},service=${quoted(opts.service)}`;
    const scopes = mergeAccess(access).filter((a) => a.actions.length > 0);
    if (scopes.length > 0) c += `,scope=${quoted(scopes.map(formatScope).join(" "))}`;
    if (error) c += `,error=${quoted(error)}`;
    return c;
  };

  const verify = async (token: string): Promise<Verified> => {
    const hit = cache.get(token);
    if (hit && hit.exp + leeway * 1000 > Date.now()) return hit;
    const { payload } = await jwtVerify(token, (header) => opts.resolveKey(header as KeyHints), {
      issuer: opts.issuer,
      audience: opts.service,
      algorithms: ALGORITHMS,
      clockTolerance: leeway,
      requiredClaims: ["exp"],
    });
    const v: Verified = {
      subject: payload.sub,
      access: accessClaim(payload),
      exp: (payload.exp ?? 0) * 1000,
    };
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(token, v);
    return v;
  };

  const authorizer: Authorizer = {
    async authorize(req: IncomingMessage, access: Access[]): Promise<AuthResult> {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
      if (!m) {
        return {
          ok: false,
          status: 401,
          challenge: challenge(req, access),
          message: "authentication required",
        };
      }
      let v: Verified;
      try {
        v = await verify(m[1] as string);
      } catch (e) {
        const message = `invalid token: ${e instanceof Error ? e.message : String(e)}`;
        return { ok: false, status: 401, challenge: challenge(req, access, "invalid_token"), message };
      }
      if (!covers(v.access, access)) {
        return {
          ok: false,
          status: 401,
          challenge: challenge(req, access, "insufficient_scope"),
          message: "insufficient scope: the token does not grant the requested access",
        };
      }
      return v.subject ? { ok: true, subject: v.subject } : { ok: true };
    },
  };
  if (opts.handle) authorizer.handle = opts.handle;
  return authorizer;
}

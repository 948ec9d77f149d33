import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { SignJWT } from "jose";
import { quoted } from "./basic.js";
import { basicCredentials, type Htpasswd } from "./htpasswd.js";
import type { SigningKey } from "./keys.js";
import { type AccessRule, grant, type Principal } from "./rules.js";
import { parseScopes } from "./scope.js";
import type { Access } from "./types.js";

export interface TokenServerOptions {
  /** The URL path it serves (default `/auth/token`). */
  path?: string;
  service: string;
  issuer: string;
  key: SigningKey;
  /** Accounts that may sign in; without it only anonymous tokens can be had. */
  htpasswd?: Htpasswd;
  /** Issue tokens to clients without credentials (what the rules grant anonymous clients). */
  anonymous?: boolean;
  rules?: AccessRule[];
  /** Token lifetime in seconds (default 300). */
  expiresIn?: number;
  /** Realm of the Basic challenge sent for missing or wrong credentials. */
  realm?: string;
}

export interface IssuedToken {
  token: string;
  access_token: string;
  expires_in: number;
  issued_at: string;
}

/** Signs a token granting `access` to `account` (undefined: anonymous). */
export async function issueToken(opts: TokenServerOptions, account: string | undefined, access: Access[]) {
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = opts.expiresIn ?? 300;
  const header: Record<string, unknown> = { alg: opts.key.alg, typ: "JWT", kid: opts.key.kid };
  if (opts.key.x5c) header.x5c = opts.key.x5c;
  const token = await new SignJWT({ access })
    .setProtectedHeader(header as { alg: string })
    .setIssuer(opts.issuer)
    .setSubject(account ?? "")
    .setAudience(opts.service)
    .setIssuedAt(now)
    .setNotBefore(now - 1)
    .setExpirationTime(now + expiresIn)
    .setJti(randomUUID())
    .sign(opts.key.privateKey);
  const issued: IssuedToken = {
    token,
    access_token: token,
    expires_in: expiresIn,
    issued_at: new Date(now * 1000).toISOString(),
  };
  return issued;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    ...headers,
    "Content-Length": data.length,
  });
  res.end(data);
}

async function readForm(req: IncomingMessage, limit = 64 * 1024): Promise<URLSearchParams> {
  let text = "";
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > limit) throw new Error("request body too large");
  }
  return new URLSearchParams(text);
}

interface TokenRequest {
  user?: string;
  password?: string;
  service: string | null;
  scopes: string[];
  oauth: boolean;
}

async function parseRequest(req: IncomingMessage, url: URL): Promise<TokenRequest | string> {
  if (req.method === "GET") {
    const creds = basicCredentials(req.headers.authorization);
    return {
      ...creds,
      service: url.searchParams.get("service"),
      scopes: url.searchParams.getAll("scope"),
      oauth: false,
    };
  }
  const form = await readForm(req);
  const grantType = form.get("grant_type");
  if (grantType !== "password") return `unsupported grant_type ${JSON.stringify(grantType)}`;
  const out: TokenRequest = { service: form.get("service"), scopes: form.getAll("scope"), oauth: true };
  const user = form.get("username");
  const password = form.get("password");
  if (user !== null) out.user = user;
  if (password !== null) out.password = password;
  return out;
}

/**
 * The built-in token endpoint of Docker's token authentication. `GET <path>?service=&scope=...`
 * with optional basic credentials (checked against the htpasswd file), or the OAuth2 form
 * `POST grant_type=password`, returns a JWT granting, per requested scope, only the actions that the
 * access rules allow that account. Returns false for requests to other paths.
 */
export function tokenEndpoint(opts: TokenServerOptions) {
  const path = opts.path ?? "/auth/token";
  const challenge = { "WWW-Authenticate": `Basic realm=${quoted(opts.realm ?? "wharf")}` };
  const unauthorized = (res: ServerResponse, message: string) =>
    send(res, 401, { errors: [{ code: "UNAUTHORIZED", message }] }, challenge);

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== path) return false;
    if (req.method !== "GET" && req.method !== "POST") {
      send(
        res,
        405,
        { errors: [{ code: "UNSUPPORTED", message: "use GET or POST" }] },
        { Allow: "GET, POST" },
      );
      return true;
    }
    let tr: TokenRequest | string;
    try {
      tr = await parseRequest(req, url);
    } catch (e) {
      send(res, 400, { error: "invalid_request", error_description: String(e) });
      return true;
    }
    if (typeof tr === "string") {
      send(res, 400, { error: "unsupported_grant_type", error_description: tr });
      return true;
    }
    if (tr.service !== null && tr.service !== opts.service) {
      send(res, 400, {
        errors: [{ code: "UNSUPPORTED", message: `unknown service ${JSON.stringify(tr.service)}` }],
      });
      return true;
    }
    const who: Principal = {};
    if (tr.user !== undefined) {
      const ok = opts.htpasswd !== undefined && (await opts.htpasswd.verify(tr.user, tr.password ?? ""));
      if (!ok) {
        unauthorized(res, "invalid username or password");
        return true;
      }
      who.account = tr.user;
    } else if (!opts.anonymous) {
      unauthorized(res, "authentication required");
      return true;
    }
    const wanted = tr.scopes.flatMap(parseScopes);
    const issued = await issueToken(opts, who.account, grant(opts.rules, who, wanted));
    if (tr.oauth) {
      send(res, 200, {
        access_token: issued.access_token,
        expires_in: issued.expires_in,
        issued_at: issued.issued_at,
        scope: tr.scopes.join(" "),
      });
    } else send(res, 200, issued);
    return true;
  };
}

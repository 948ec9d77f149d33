import type { IncomingMessage } from "node:http";
import { basicCredentials, openHtpasswd } from "./htpasswd.js";
import { type AccessRule, grant } from "./rules.js";
import { covers } from "./scope.js";
import type { Access, Authorizer, AuthResult } from "./types.js";

export interface HtpasswdAuthorizerOptions {
  /** The realm named in the `WWW-Authenticate: Basic realm="..."` challenge. */
  realm: string;
  /** The htpasswd file (bcrypt entries). */
  path: string;
  /** Per-repository rules; without them every valid account may do everything, as in Distribution. */
  rules?: AccessRule[];
}

/** Quotes a value for an auth-param (`realm="..."`), escaping `\` and `"`. */
export function quoted(v: string): string {
  return `"${v.replace(/[\\"]/g, "\\$&")}"`;
}

/**
 * HTTP basic authentication against an htpasswd file, as Distribution's `auth.htpasswd`: every request
 * (`GET /v2/` included) needs valid credentials, else 401 with a Basic challenge. With access rules, a
 * valid account asking for more than the rules grant is refused with 403.
 */
export async function htpasswdAuthorizer(opts: HtpasswdAuthorizerOptions): Promise<Authorizer> {
  const file = await openHtpasswd(opts.path);
  const challenge = `Basic realm=${quoted(opts.realm)}`;
  return {
    async authorize(req: IncomingMessage, access: Access[]): Promise<AuthResult> {
      const creds = basicCredentials(req.headers.authorization);
      if (!creds) return { ok: false, status: 401, challenge, message: "authentication required" };
      if (!(await file.verify(creds.user, creds.password))) {
        return { ok: false, status: 401, challenge, message: "invalid username or password" };
      }
      if (opts.rules !== undefined && !covers(grant(opts.rules, { account: creds.user }, access), access)) {
        return { ok: false, status: 403, message: "requested access to the resource is denied" };
      }
      return { ok: true, subject: creds.user };
    },
  };
}

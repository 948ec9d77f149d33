import { type Credentials, staticCredentials } from "../auth/index.js";
import { WharfError } from "../errors/index.js";
import { createTransport, type TransportOptions } from "./transport.js";

export interface LoginResult {
  /** How the registry checked the credentials: `none` when it asks for no authentication. */
  auth: "bearer" | "basic" | "none";
  /** A refresh token the token endpoint issued, to store instead of the password (`identitytoken`). */
  identityToken?: string;
}

/**
 * Checks credentials against a registry as `docker login` does: ping, then the token endpoint
 * (asking for an offline refresh token) or `/v2/` with basic auth. Throws `unauthorized` when they
 * are refused. Storing them is the caller's step (`storeCredentials` from auth).
 */
export async function checkLogin(
  domain: string,
  creds: Credentials,
  opts: Omit<TransportOptions, "credentials"> = {},
): Promise<LoginResult> {
  const t = createTransport(domain, { ...opts, credentials: staticCredentials({ [domain]: creds }) });
  try {
    const ping = await t.ping();
    if (ping.auth === undefined) return { auth: "none" };
    if (ping.auth === "bearer") {
      const grant = await t.auth.fetchToken([], creds, true);
      return { auth: "bearer", ...(grant.refreshToken ? { identityToken: grant.refreshToken } : {}) };
    }
    const res = await t.request({ method: "GET", path: "/v2/" });
    res.discard();
    if (res.status === 200) return { auth: "basic" };
    if (res.status === 401 || res.status === 403) {
      throw new WharfError("unauthorized", `${domain}: unauthorized: incorrect username or password`, {
        hint: "check the user name and password, then try again",
      });
    }
    throw new WharfError("network", `${domain}: login failed with HTTP ${res.status}`, {
      hint: "check the registry address and that the registry is running",
    });
  } finally {
    t.close();
  }
}

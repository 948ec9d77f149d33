import type { X509Certificate } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { WharfError } from "../../errors/index.js";
import { htpasswdAuthorizer } from "./basic.js";
import { type Htpasswd, openHtpasswd } from "./htpasswd.js";
import { loadCertBundle, loadSigningKey, trustedKeyResolver } from "./keys.js";
import type { AccessRule } from "./rules.js";
import { tokenAuthorizer } from "./token.js";
import { tokenEndpoint } from "./token-server.js";
import { type Authorizer, anonymous } from "./types.js";

/** wharf's own token issuer (`wharf.tokenserver` in the config). */
export interface TokenServerSettings {
  /** The path it serves (default `/auth/token`). */
  path: string;
  /** htpasswd file of the accounts that may sign in. */
  htpasswd?: string;
  anonymous: boolean;
  /** PEM private key; created there when missing. Without it, a key is generated for this run only. */
  key?: string;
  algorithm: "ES256" | "RS256";
  /** PEM certificate chain of the key, sent as `x5c` (for registries that verify by chain). */
  certificate?: string;
  /** Token lifetime in seconds. */
  expiration: number;
}

/** What the config says about authentication, resolved. */
export type AuthSettings =
  | { kind: "none" }
  | { kind: "htpasswd"; realm: string; path: string; rules?: AccessRule[] }
  | {
      kind: "token";
      /** Absolute URL of the token endpoint; a path (`/auth/token`) means this server's own, by Host. */
      realm: string;
      service: string;
      issuer: string;
      rootcertbundle?: string;
      server?: TokenServerSettings;
      rules?: AccessRule[];
    };

/** The realm for a request: a path becomes `<scheme>://<Host><path>`, as the client reached us. */
export function realmFor(realm: string, tls: boolean): string | ((req: IncomingMessage) => string) {
  if (/^https?:\/\//.test(realm)) return realm;
  return (req) => `${tls ? "https" : "http"}://${req.headers.host ?? "localhost"}${realm}`;
}

/** Builds the authorizer the settings describe (loading files and keys). */
export async function createAuthorizer(settings: AuthSettings, opts: { tls: boolean }): Promise<Authorizer> {
  if (settings.kind === "none") return anonymous;
  if (settings.kind === "htpasswd") {
    const o = { realm: settings.realm, path: settings.path };
    return htpasswdAuthorizer(settings.rules ? { ...o, rules: settings.rules } : o);
  }
  const roots: X509Certificate[] = settings.rootcertbundle
    ? await loadCertBundle(settings.rootcertbundle)
    : [];
  const server = settings.server;
  if (!server) {
    if (roots.length === 0) {
      throw new WharfError("config-invalid", "auth.token needs rootcertbundle to verify an external issuer", {
        hint: "set auth.token.rootcertbundle, or enable wharf.tokenserver for the built-in issuer",
      });
    }
    return tokenAuthorizer({
      realm: realmFor(settings.realm, opts.tls),
      service: settings.service,
      issuer: settings.issuer,
      resolveKey: trustedKeyResolver(roots, []),
    });
  }
  const keyOpts: Parameters<typeof loadSigningKey>[0] = { algorithm: server.algorithm };
  if (server.key !== undefined) keyOpts.path = server.key;
  if (server.certificate !== undefined) keyOpts.certificate = server.certificate;
  const key = await loadSigningKey(keyOpts);
  const htpasswd: Htpasswd | undefined = server.htpasswd ? await openHtpasswd(server.htpasswd) : undefined;
  const handle = tokenEndpoint({
    path: server.path,
    service: settings.service,
    issuer: settings.issuer,
    key,
    anonymous: server.anonymous,
    expiresIn: server.expiration,
    realm: settings.service,
    ...(htpasswd ? { htpasswd } : {}),
    ...(settings.rules ? { rules: settings.rules } : {}),
  });
  return tokenAuthorizer({
    realm: realmFor(settings.realm, opts.tls),
    service: settings.service,
    issuer: settings.issuer,
    resolveKey: trustedKeyResolver(roots, [key.publicKey]),
    handle,
  });
}

import type { IncomingMessage, ServerResponse } from "node:http";

export type Action = "pull" | "push" | "delete" | "*";

/** What a request needs: `repository:<name>:pull,push` or `registry:catalog:*`, as in Docker's token scopes. */
export interface Access {
  type: "repository" | "registry";
  name: string;
  actions: Action[];
}

export type AuthResult =
  | { ok: true; subject?: string }
  | {
      ok: false;
      /** 401 asks for credentials (with `challenge` as `WWW-Authenticate`); 403 refuses them. */
      status: 401 | 403;
      challenge?: string;
      message: string;
    };

/**
 * Decides whether a request may have the access it needs. The registry's routes compute the access;
 * the authorizer (anonymous, htpasswd, token) checks the request's credentials against it.
 */
export interface Authorizer {
  authorize(req: IncomingMessage, access: Access[]): Promise<AuthResult>;
  /**
   * Serves requests outside `/v2/` that belong to the auth scheme (the built-in token endpoint).
   * Returns false when the request is not its own.
   */
  handle?(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

/** Lets every request through: the default, as Distribution's with no `auth` section. */
export const anonymous: Authorizer = {
  async authorize() {
    return { ok: true };
  },
};

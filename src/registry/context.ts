import type { IncomingMessage, ServerResponse } from "node:http";
import { type Digest, parseDigest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { isValidPath } from "../reference/index.js";
import type { Access, AuthResult } from "./auth/types.js";
import type { Occurrence } from "./notify/types.js";
import type { Store } from "./store/store.js";

/** One request as the handlers see it. */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  /** Path parameters of the matched route (`name`, `reference`, `digest`, `uuid`). */
  params: Record<string, string | undefined>;
  query: URLSearchParams;
  store: Store;
  /** Asks the authorizer about further access (a mount's source repository). */
  authorize(access: Access[]): Promise<AuthResult>;
  /** Blob GETs redirect to the storage's URL when it has one. */
  redirect?: boolean;
  /** `http.secret`, when set: upload state in URLs is signed and checked. */
  uploadSecret?: string;
  /** Reports a successful operation to the notifier (`RegistryOptions.notify`), when there is one. */
  notify?: (o: Occurrence) => void;
}

/** The repository name of the route, validated against the reference grammar. */
export function nameOf(ctx: Ctx): string {
  return checkName(ctx.params.name ?? "");
}

export function checkName(name: string): string {
  if (!isValidPath(name)) {
    throw new WharfError("name-invalid", `invalid repository name: ${JSON.stringify(name)}`, {
      detail: { name },
    });
  }
  return name;
}

/** A digest from the path or query; `digest-invalid` when malformed. */
export function digestParam(value: string | null | undefined, what = "digest"): Digest {
  if (!value) throw new WharfError("digest-invalid", `${what} is required`);
  return parseDigest(value);
}

export const repo = (name: string, actions: Access["actions"]): Access => ({
  type: "repository",
  name,
  actions,
});

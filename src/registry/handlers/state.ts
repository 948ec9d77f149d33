import { createHmac, timingSafeEqual } from "node:crypto";
import { WharfError } from "../../errors/index.js";
import type { Ctx } from "../context.js";

/**
 * Upload state in upload URLs, as Distribution keeps it: `_state` is the upload's repository,
 * UUID and offset, signed with `http.secret` (HMAC-SHA256), so that any replica sharing the secret
 * accepts what another one handed out, and nobody else can forge it. The upload's bytes and offset
 * themselves live in storage; the state only authenticates the request. Without a secret wharf
 * neither adds nor asks for it.
 */
interface UploadState {
  name: string;
  uuid: string;
  offset: number;
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString("base64url");
const mac = (secret: string, payload: string) => createHmac("sha256", secret).update(payload).digest();

export function packState(secret: string, s: UploadState): string {
  const payload = b64(JSON.stringify({ Name: s.name, UUID: s.uuid, Offset: s.offset }));
  return `${payload}.${b64(mac(secret, payload))}`;
}

function invalid(why: string): WharfError {
  return new WharfError("blob-upload-invalid", `blob upload invalid: ${why}`, {
    hint: "every replica behind one address needs the same http.secret",
  });
}

/** The upload URL, with its signed state when the registry has a secret. */
export function uploadUrl(ctx: Ctx, name: string, uuid: string, offset: number): string {
  const url = `/v2/${name}/blobs/uploads/${uuid}`;
  if (ctx.uploadSecret === undefined) return url;
  return `${url}?_state=${encodeURIComponent(packState(ctx.uploadSecret, { name, uuid, offset }))}`;
}

/** Refuses an upload request whose `_state` is absent, forged, or names another upload. */
export function checkState(ctx: Ctx, name: string, uuid: string): void {
  const secret = ctx.uploadSecret;
  if (secret === undefined) return;
  const raw = ctx.query.get("_state");
  if (!raw) throw invalid("the upload URL has no _state");
  const [payload, sig, extra] = raw.split(".");
  if (!payload || !sig || extra !== undefined) throw invalid("malformed _state");
  const want = mac(secret, payload);
  const got = Buffer.from(sig, "base64url");
  if (got.length !== want.length || !timingSafeEqual(got, want))
    throw invalid("_state was not signed with this registry's http.secret");
  let s: { Name?: unknown; UUID?: unknown };
  try {
    s = JSON.parse(Buffer.from(payload, "base64url").toString()) as typeof s;
  } catch {
    throw invalid("malformed _state");
  }
  if (s.Name !== name || s.UUID !== uuid) throw invalid("_state names another upload");
}

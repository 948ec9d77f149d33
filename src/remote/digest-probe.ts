import { createHash, randomBytes } from "node:crypto";
import type { Digest } from "../digest/index.js";
import { registryError } from "./errors.js";
import { header } from "./http.js";
import { deleteScope, pushScope, type Repository } from "./manifests.js";

/**
 * Whether a registry refuses an upload whose bytes do not hash to its `?digest=`, as the OCI
 * distribution spec requires of it (400 with the error code DIGEST_INVALID). Shown, not assumed:
 * 32 random bytes are uploaded under a digest they cannot have, and only a 400 whose error is
 * DIGEST_INVALID counts. Anything else (accepted, refused for another reason, no answer) counts as
 * "not shown", so the caller keeps hashing. A destination that stored the bytes anyway gets them
 * deleted again (best effort: they are under a digest no manifest names).
 *
 * Three small requests; `image copy` runs it once per copy, beside its first blob checks, and only
 * when it has big blobs to upload, whose hashing here it saves (`copy-image.ts`).
 */
export async function refusesWrongDigest(repo: Repository): Promise<boolean> {
  const t = repo.transport;
  const scopes = [pushScope(repo.path)];
  try {
    const start = await t.request({ method: "POST", path: `/v2/${repo.path}/blobs/uploads/`, scopes });
    start.discard();
    const location = start.status === 202 ? header(start, "location") : undefined;
    if (location === undefined) return false;
    const bytes = randomBytes(32);
    // The hash of other bytes: never these bytes' digest.
    const wrong = `sha256:${createHash("sha256").update(bytes).update("wharf").digest("hex")}` as Digest;
    const session = new URL(location, start.url);
    const url = new URL(session);
    url.searchParams.set("digest", wrong);
    const put = await t.request({
      method: "PUT",
      path: url.href,
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array(bytes),
      scopes,
      retry: false,
    });
    // Only the spec's answer counts: 400 with DIGEST_INVALID (a 400 for another reason shows nothing).
    const refused = put.status === 400 && (await registryError(put, "probe")).code === "digest-invalid";
    if (!refused) put.discard();
    if (refused) {
      // The session may outlive the refusal (Distribution keeps it): end it.
      const end = await t.request({ method: "DELETE", path: session.href, scopes }).catch(() => undefined);
      end?.discard();
      return true;
    }
    if (put.status === 201) {
      const del = await t
        .request({
          method: "DELETE",
          path: `/v2/${repo.path}/blobs/${wrong}`,
          scopes: [deleteScope(repo.path)],
        })
        .catch(() => undefined);
      del?.discard();
    }
    return false;
  } catch {
    return false;
  }
}

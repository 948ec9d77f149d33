import { isDigest, parseDigest } from "../../digest/index.js";
import { isWharfError, WharfError } from "../../errors/index.js";
import { isManifestOrIndexMediaType } from "../../oci/index.js";
import { isValidTag } from "../../reference/index.js";
import { type Ctx, nameOf } from "../context.js";
import { readBody } from "../http/body.js";
import { type Headers, sendEmpty } from "../http/respond.js";
import { prefetchBlobs } from "../store/blobs.js";
import * as manifests from "../store/manifests.js";

/** The spec's limit on a manifest's size. */
export const MANIFEST_LIMIT = 4 << 20;

/** The route's reference: a digest (anything with a colon) or a tag. */
function refOf(ctx: Ctx, invalidTag: () => WharfError): manifests.ManifestRef {
  const ref = ctx.params.reference ?? "";
  if (ref.includes(":")) return { digest: parseDigest(ref) };
  if (!isValidTag(ref)) throw invalidTag();
  return { tag: ref };
}

/** Accept: undefined when the client takes anything, else the media types it listed. */
function accepted(header: string | undefined): string[] | undefined {
  if (!header) return undefined;
  const types = header.split(",").map((t) => t.split(";")[0]?.trim() ?? "");
  return types.some((t) => t === "*/*" || t === "application/*") ? undefined : types;
}

/** GET and HEAD of a manifest by tag or digest, with the Content-Type it was pushed with. */
export async function getManifest(ctx: Ctx): Promise<void> {
  const { req, res } = ctx;
  const name = nameOf(ctx);
  const ref = refOf(ctx, () => new WharfError("manifest-unknown", `manifest unknown: invalid tag`));
  const m = await manifests.getManifest(ctx.store, name, ref);
  const accept = accepted(req.headers.accept);
  // Like Distribution: a client that lists manifest types but not this one cannot read it.
  if (accept?.some(isManifestOrIndexMediaType) && !accept.includes(m.mediaType)) {
    throw new WharfError("manifest-unknown", `manifest is ${m.mediaType}, which the Accept header excludes`, {
      detail: { mediaType: m.mediaType },
    });
  }
  const headers: Headers = {
    "Content-Type": m.mediaType,
    "Docker-Content-Digest": m.digest,
    ETag: `"${m.digest}"`,
    "Content-Length": m.body.length,
  };
  if (req.headers["if-none-match"] === `"${m.digest}"`) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, headers);
  res.end(req.method === "HEAD" ? undefined : m.body);
  // A client that GETs an image manifest GETs its config and layers next (a HEAD only checks).
  if (req.method === "GET") prefetchBlobs(ctx.store, name, m);
  ctx.notify?.({
    action: "pull",
    kind: "manifest",
    repository: name,
    digest: m.digest,
    mediaType: m.mediaType,
    body: m.body,
    ...(ref.tag !== undefined ? { tag: ref.tag } : {}),
  });
}

/** PUT: validates and stores a manifest or index (201, with `OCI-Subject` when it has a subject). */
export async function putManifest(ctx: Ctx): Promise<void> {
  const { req } = ctx;
  const name = nameOf(ctx);
  const ref = refOf(ctx, () => new WharfError("manifest-invalid", `invalid tag: ${ctx.params.reference}`));
  const tooLarge = () =>
    new WharfError("manifest-too-large", `manifest exceeds the ${MANIFEST_LIMIT}-byte limit`, {
      detail: { limit: MANIFEST_LIMIT },
    });
  if (Number(req.headers["content-length"] ?? 0) > MANIFEST_LIMIT) throw tooLarge();
  let body: Buffer;
  try {
    body = await readBody(req, MANIFEST_LIMIT);
  } catch (e) {
    throw isWharfError(e, "size-invalid") ? tooLarge() : e;
  }
  const m = await manifests.putManifest(ctx.store, name, ref, body, req.headers["content-type"]);
  const headers: Headers = {
    Location: `/v2/${name}/manifests/${m.digest}`,
    "Docker-Content-Digest": m.digest,
  };
  if (m.subject) headers["OCI-Subject"] = m.subject;
  sendEmpty(ctx.res, 201, headers);
  ctx.notify?.({
    action: "push",
    kind: "manifest",
    repository: name,
    digest: m.digest,
    mediaType: m.mediaType,
    body,
    ...(ref.tag !== undefined ? { tag: ref.tag } : {}),
  });
}

/** DELETE by digest (the manifest and the tags on it) or by tag (the tag only): 202. */
export async function deleteManifest(ctx: Ctx): Promise<void> {
  const name = nameOf(ctx);
  const ref = refOf(ctx, () => new WharfError("manifest-unknown", "manifest unknown: invalid tag"));
  let tags: string[] = [];
  if (ref.digest && isDigest(ref.digest)) tags = await manifests.deleteManifest(ctx.store, name, ref.digest);
  else if (ref.tag) await manifests.deleteTag(ctx.store, name, ref.tag);
  sendEmpty(ctx.res, 202);
  // Like Distribution: the manifest's delete, then one for each tag that went with it.
  if (ref.digest) ctx.notify?.({ action: "delete", kind: "manifest", repository: name, digest: ref.digest });
  for (const tag of ref.tag ? [ref.tag] : tags)
    ctx.notify?.({ action: "delete", kind: "tag", repository: name, tag });
}

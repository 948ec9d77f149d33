import { collect } from "../digest/index.js";
import { type ErrorCode, WharfError } from "../errors/index.js";
import type { HttpResponse } from "./http.js";

const FROM_OCI: Record<string, ErrorCode> = {
  BLOB_UNKNOWN: "blob-unknown",
  BLOB_UPLOAD_INVALID: "blob-upload-invalid",
  BLOB_UPLOAD_UNKNOWN: "blob-upload-unknown",
  DIGEST_INVALID: "digest-invalid",
  MANIFEST_BLOB_UNKNOWN: "manifest-blob-unknown",
  MANIFEST_INVALID: "manifest-invalid",
  MANIFEST_UNKNOWN: "manifest-unknown",
  MANIFEST_UNVERIFIED: "manifest-invalid",
  NAME_INVALID: "name-invalid",
  NAME_UNKNOWN: "name-unknown",
  SIZE_INVALID: "size-invalid",
  TAG_INVALID: "manifest-invalid",
  UNAUTHORIZED: "unauthorized",
  DENIED: "denied",
  UNSUPPORTED: "unsupported",
  TOOMANYREQUESTS: "too-many-requests",
};

function fromStatus(status: number): ErrorCode {
  if (status === 401) return "unauthorized";
  if (status === 403) return "denied";
  if (status === 404) return "not-found";
  if (status === 405) return "unsupported";
  if (status === 416) return "range-invalid";
  if (status === 429) return "too-many-requests";
  if (status >= 500) return "network";
  return "invalid-argument";
}

function hintFor(code: ErrorCode, domain: string): string {
  switch (code) {
    case "unauthorized":
    case "denied":
      return `the repository may not exist, or may require a login: wharf login ${domain}`;
    case "manifest-unknown":
    case "name-unknown":
    case "not-found":
      return "check the repository name and tag";
    case "too-many-requests":
      return "the registry limits requests; wait a while and try again";
    case "network":
      return "the registry failed; try again later";
    default:
      return "the registry refused the request; check the image and the registry's logs";
  }
}

/**
 * The error a registry's non-success answer means: its OCI error code (when the body has one)
 * mapped onto wharf's, and its message, prefixed with what was being done.
 */
export async function registryError(
  res: HttpResponse,
  what: string,
  domain: string = res.url.host,
): Promise<WharfError> {
  let ociCode: string | undefined;
  let ociMessage: string | undefined;
  let detail: unknown;
  if (res.status !== 0) {
    try {
      const text = (await collect(res.body, 64 * 1024)).toString("utf8");
      const doc = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown; detail?: unknown }[] };
      const first = doc.errors?.[0];
      if (typeof first?.code === "string") ociCode = first.code;
      if (typeof first?.message === "string") ociMessage = first.message;
      detail = first?.detail;
    } catch {
      res.discard();
    }
  }
  const code = (ociCode && FROM_OCI[ociCode]) || fromStatus(res.status);
  // A 401 without a body (a HEAD's) is Docker's `unauthorized: authentication required`.
  const why = ociMessage
    ? `${ociCode?.toLowerCase().replaceAll("_", " ")}: ${ociMessage}`
    : res.status === 401
      ? "unauthorized: authentication required"
      : `HTTP ${res.status}`;
  // Refusals read as Docker prints them: the registry's words alone, not what was being done.
  const message = code === "unauthorized" || code === "denied" ? why : `${what}: ${why}`;
  return new WharfError(code, message, {
    hint: hintFor(code, domain),
    ...(detail !== undefined ? { detail } : {}),
  });
}

/**
 * The one table of error codes. Each code maps to a CLI exit status, an HTTP status and, where the
 * registry speaks it, an OCI Distribution error code. Add a row here rather than inventing codes
 * elsewhere.
 */
export const ERROR_CODES = {
  // generic input and state
  usage: { exit: 125, http: 400 },
  "invalid-argument": { exit: 1, http: 400 },
  "invalid-reference": { exit: 1, http: 400, oci: "NAME_INVALID" },
  "not-found": { exit: 1, http: 404 },
  conflict: { exit: 1, http: 409 },
  "config-invalid": { exit: 1, http: 500 },
  io: { exit: 1, http: 500 },
  internal: { exit: 1, http: 500 },
  network: { exit: 1, http: 502 },
  timeout: { exit: 1, http: 504 },
  corrupt: { exit: 1, http: 400, oci: "DIGEST_INVALID" },
  // a Dockerfile (or .dockerignore) that cannot be built: syntax or semantic error, found before building
  "dockerfile-invalid": { exit: 1, http: 400 },
  // a build step that failed (a RUN's command exited non-zero, a COPY source is missing): docker build's 1
  "build-failed": { exit: 1, http: 500 },
  // images, containers, platforms
  "image-not-found": { exit: 1, http: 404 },
  "container-not-found": { exit: 1, http: 404 },
  "platform-mismatch": { exit: 1, http: 404 },
  // signed images: a signature policy (or content trust) refused the image
  "signature-rejected": { exit: 1, http: 403 },
  // OCI Distribution error codes
  "blob-unknown": { exit: 1, http: 404, oci: "BLOB_UNKNOWN" },
  "blob-upload-invalid": { exit: 1, http: 400, oci: "BLOB_UPLOAD_INVALID" },
  "blob-upload-unknown": { exit: 1, http: 404, oci: "BLOB_UPLOAD_UNKNOWN" },
  "range-invalid": { exit: 1, http: 416, oci: "BLOB_UPLOAD_INVALID" },
  "digest-invalid": { exit: 1, http: 400, oci: "DIGEST_INVALID" },
  "manifest-blob-unknown": { exit: 1, http: 400, oci: "MANIFEST_BLOB_UNKNOWN" },
  "manifest-invalid": { exit: 1, http: 400, oci: "MANIFEST_INVALID" },
  "manifest-unknown": { exit: 1, http: 404, oci: "MANIFEST_UNKNOWN" },
  "manifest-too-large": { exit: 1, http: 413, oci: "SIZE_INVALID" },
  "name-invalid": { exit: 1, http: 400, oci: "NAME_INVALID" },
  "name-unknown": { exit: 1, http: 404, oci: "NAME_UNKNOWN" },
  "size-invalid": { exit: 1, http: 400, oci: "SIZE_INVALID" },
  unauthorized: { exit: 1, http: 401, oci: "UNAUTHORIZED" },
  denied: { exit: 1, http: 403, oci: "DENIED" },
  unsupported: { exit: 1, http: 405, oci: "UNSUPPORTED" },
  "too-many-requests": { exit: 1, http: 429, oci: "TOOMANYREQUESTS" },
  // containers (exit statuses as Docker's)
  runtime: { exit: 125, http: 500 },
  "command-cannot-invoke": { exit: 126, http: 500 },
  "command-not-found": { exit: 127, http: 500 },
} as const satisfies Record<string, { exit: number; http: number; oci?: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export type OciErrorCode =
  | "BLOB_UNKNOWN"
  | "BLOB_UPLOAD_INVALID"
  | "BLOB_UPLOAD_UNKNOWN"
  | "DIGEST_INVALID"
  | "MANIFEST_BLOB_UNKNOWN"
  | "MANIFEST_INVALID"
  | "MANIFEST_UNKNOWN"
  | "NAME_INVALID"
  | "NAME_UNKNOWN"
  | "SIZE_INVALID"
  | "UNAUTHORIZED"
  | "DENIED"
  | "UNSUPPORTED"
  | "TOOMANYREQUESTS";

export function exitStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code].exit;
}

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code].http;
}

export function ociCodeOf(code: ErrorCode): OciErrorCode | undefined {
  const row = ERROR_CODES[code];
  return "oci" in row ? row.oci : undefined;
}

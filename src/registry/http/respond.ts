import type { IncomingMessage, ServerResponse } from "node:http";
import { errnoCode, WharfError } from "../../errors/index.js";

export type Headers = Record<string, string | number>;

/** Sends a response without a body. */
export function sendEmpty(res: ServerResponse, status: number, headers: Headers = {}): void {
  res.writeHead(status, { ...headers, "Content-Length": 0 });
  res.end();
}

/** Sends a JSON body (omitted for HEAD, its length kept). */
export function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Headers = {},
): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, {
    "Content-Type": "application/json",
    ...headers,
    "Content-Length": body.length,
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

export interface ErrorBody {
  code: string;
  message: string;
  detail?: unknown;
}

/** The HTTP status and OCI error body of any thrown value; unexpected errors are 500s. */
export function errorResponse(e: unknown): { status: number; error: ErrorBody; internal: boolean } {
  if (e instanceof WharfError) {
    const status = e.httpStatus;
    const code = e.ociCode ?? (status === 404 ? "NAME_UNKNOWN" : "UNKNOWN");
    const error: ErrorBody = { code, message: e.message };
    if (e.detail !== undefined) error.detail = e.detail;
    return { status, error, internal: status >= 500 };
  }
  return { status: 500, error: { code: "UNKNOWN", message: "internal server error" }, internal: true };
}

/**
 * Sends an error in the spec's JSON form. A request body the handler did not read is left to Node
 * to discard, unless it is large: then the connection closes rather than swallowing it.
 */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  e: unknown,
  headers: Headers = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { status, error } = errorResponse(e);
  const pending = !req.complete && Number(req.headers["content-length"] ?? 1 << 30) > 1 << 20;
  sendJson(req, res, status, { errors: [error] }, pending ? { ...headers, Connection: "close" } : headers);
}

/** Whether an error means the client went away (reset, closed early, aborted its body). */
export function isClientGone(e: unknown): boolean {
  const code = errnoCode(e);
  return (
    code === "ERR_STREAM_PREMATURE_CLOSE" ||
    code === "ECONNRESET" ||
    code === "EPIPE" ||
    code === "ECONNABORTED" ||
    (e instanceof Error && e.message === "aborted")
  );
}

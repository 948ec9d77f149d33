import { type ErrorCode, exitStatusOf, httpStatusOf, type OciErrorCode, ociCodeOf } from "./codes.js";

export interface WharfErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Extra machine-readable detail (the registry puts it in the OCI error's `detail`). */
  detail?: unknown;
}

/**
 * Marks a WharfError for `instanceof`, so that one made by another copy of this module counts too:
 * the CLI's bundle and the registry's (loaded only by `registry serve`) each have their own.
 */
const BRAND = Symbol.for("wharf.WharfError");

/** The one error type wharf throws on purpose: a stable code, a one-line message, an optional hint. */
export class WharfError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly detail: unknown;

  static override [Symbol.hasInstance](v: unknown): v is WharfError {
    return typeof v === "object" && v !== null && (v as { [BRAND]?: unknown })[BRAND] === true;
  }

  constructor(code: ErrorCode, message: string, opts: WharfErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    Object.defineProperty(this, BRAND, { value: true });
    this.name = "WharfError";
    this.code = code;
    this.hint = opts.hint;
    this.detail = opts.detail;
  }

  get exitStatus(): number {
    return exitStatusOf(this.code);
  }

  get httpStatus(): number {
    return httpStatusOf(this.code);
  }

  get ociCode(): OciErrorCode | undefined {
    return ociCodeOf(this.code);
  }
}

export function isWharfError(e: unknown, code?: ErrorCode): e is WharfError {
  return e instanceof WharfError && (code === undefined || e.code === code);
}

/** Shorthand: `throw wharfError("not-found", "...")`. */
export function wharfError(code: ErrorCode, message: string, opts?: WharfErrorOptions): WharfError {
  return new WharfError(code, message, opts);
}

/** Node's system errors carry a `code` such as ENOENT; this reads it without `any`. */
export function errnoCode(e: unknown): string | undefined {
  if (typeof e === "object" && e !== null && "code" in e) {
    const c = (e as { code: unknown }).code;
    return typeof c === "string" ? c : undefined;
  }
  return undefined;
}

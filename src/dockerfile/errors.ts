import { isWharfError, WharfError } from "../errors/index.js";
import type { SourceLocation } from "./types.js";

const DEFAULT_HINT = "fix the Dockerfile at that line (see the Dockerfile reference)";

/** `Dockerfile:7: unknown instruction: RUNN`: the one shape of every error this module reports. */
export function dockerfileError(
  loc: { file: string; startLine: number },
  message: string,
  hint: string = DEFAULT_HINT,
): WharfError {
  return new WharfError("dockerfile-invalid", `${loc.file}:${loc.startLine}: ${message}`, { hint });
}

/** An error from a word or value without a location yet (expansion, flags): thrown, then located. */
export function bareError(message: string, hint?: string): WharfError {
  return new WharfError("dockerfile-invalid", message, hint === undefined ? {} : { hint });
}

/**
 * Gives a location-less `dockerfile-invalid` error its `file:line: ` prefix (an error that already
 * has one is returned as is); anything else is left alone.
 */
export function locate(e: unknown, loc: SourceLocation): unknown {
  if (!isWharfError(e, "dockerfile-invalid")) return e;
  if (e.message.startsWith(`${loc.file}:`)) return e;
  return dockerfileError(loc, e.message, e.hint ?? DEFAULT_HINT);
}

/** Runs `fn`, locating any error it throws. */
export function at<T>(loc: SourceLocation, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw locate(e, loc);
  }
}

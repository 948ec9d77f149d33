import { WharfError } from "../../errors/index.js";

/** A satisfiable byte range of a blob of `size` bytes, inclusive at both ends. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses a `Range: bytes=...` request header. Undefined means "serve everything" (no header, or a
 * form this server does not split, such as several ranges); unsatisfiable ranges are errors.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) throw unsatisfiable(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== "" && Number(m[2]) < start) return undefined;
  }
  if (start >= size) throw unsatisfiable(size);
  return { start, end };
}

function unsatisfiable(size: number): WharfError {
  return new WharfError("range-invalid", `requested range not satisfiable (blob has ${size} bytes)`, {
    detail: { size },
  });
}

/** Parses an upload's `Content-Range: <start>-<end>` (also with a `bytes ` prefix or `/total`). */
export function parseContentRange(header: string | undefined): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!m) throw new WharfError("range-invalid", `invalid Content-Range: ${JSON.stringify(header)}`);
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start) throw new WharfError("range-invalid", `invalid Content-Range: ${JSON.stringify(header)}`);
  return { start, end };
}

/** The `Range` header of an upload of `size` bytes: Distribution's `0-<last byte>` (`0-0` when empty). */
export function uploadRange(size: number): string {
  return `0-${Math.max(size - 1, 0)}`;
}

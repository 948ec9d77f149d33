import { WharfError } from "../../errors/index.js";

/**
 * Checks a driver path: absolute, `/`-separated, no empty, `.` or `..` segments, and no segment
 * starting with `.` (drivers keep their temporary and partial files under such names).
 */
export function checkPath(path: string): string {
  if (!path.startsWith("/") || path.length < 2) {
    throw new WharfError("invalid-argument", `storage path must be absolute: ${JSON.stringify(path)}`);
  }
  for (const seg of path.slice(1).split("/")) {
    if (seg === "" || seg.startsWith(".")) {
      throw new WharfError("invalid-argument", `invalid storage path: ${JSON.stringify(path)}`);
    }
  }
  return path;
}

/** The parent directory of a checked path (`/` for top-level entries). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

export function notFound(path: string): WharfError {
  return new WharfError("not-found", `storage path not found: ${path}`);
}

/** Byte order of UTF-8 strings (JavaScript's `<` compares UTF-16 code units). */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Applies `after` and `limit` to a directory's child names, returning them sorted. */
export function pageOf(names: string[], opts: { after?: string; limit?: number } = {}): string[] {
  const { after, limit } = opts;
  const kept = after === undefined ? [...names] : names.filter((n) => compareNames(n, after) > 0);
  kept.sort(compareNames);
  return limit === undefined ? kept : kept.slice(0, limit);
}

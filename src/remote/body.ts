import { type Bytes, collect } from "../digest/index.js";
import { isWharfError, WharfError } from "../errors/index.js";

/** Reads a small document (manifest, config, JSON list) into memory, refusing more than `limit`. */
export async function readLimited(body: Bytes, limit: number, what: string): Promise<Buffer> {
  try {
    return await collect(body, limit);
  } catch (e) {
    if (isWharfError(e, "size-invalid")) {
      throw new WharfError("size-invalid", `${what} is larger than ${limit} bytes`, {
        hint: "the registry sent more than such a document may hold",
      });
    }
    throw e;
  }
}

/** Parses a JSON document the registry sent; a clear error when it is not JSON. */
export function parseJsonDocument(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw new WharfError("network", `${what} is not valid JSON`, {
      hint: "the registry does not follow the distribution API",
    });
  }
}

/** The `rel="next"` target of a `Link` header, as the tags and catalog endpoints paginate. */
export function nextLink(link: string | undefined): string | undefined {
  if (link === undefined) return undefined;
  for (const part of link.split(",")) {
    const m = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (m && /rel\s*=\s*"?next"?/i.test(m[2] ?? "")) return m[1];
  }
  return undefined;
}

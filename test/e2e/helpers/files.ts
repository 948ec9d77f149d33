import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** sha256 of a file, streamed. */
export async function fileDigest(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
}

export function layoutBlobPath(dir: string, digest: string): string {
  return join(dir, "blobs", "sha256", digest.replace(/^sha256:/, ""));
}

/** Parses a JSON blob (manifest, index, config) of an OCI layout. */
export async function layoutJson<T>(dir: string, digest: string): Promise<T> {
  return JSON.parse(await readFile(layoutBlobPath(dir, digest), "utf8")) as T;
}

import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileDigest } from "./files.js";
import type { Sandbox } from "./tools.js";

/** This machine's architecture in OCI terms, and another one to ask for with `--platform`. */
export const HOST_ARCH = process.arch === "arm64" ? "arm64" : "amd64";
export const OTHER_ARCH = HOST_ARCH === "arm64" ? "amd64" : "arm64";

export interface BuildahImageSpec {
  /** The local image name to commit to. */
  name: string;
  arch?: string;
  /** Host files copied in, `[source, destination]`. */
  copy: [string, string][];
  cmd?: string[];
}

/**
 * `buildah from scratch` (with `--arch` when given), `buildah copy` of host files, `config --cmd`,
 * `commit`. Returns the image ID buildah printed (the config digest's hex).
 */
export async function buildahImage(box: Sandbox, spec: BuildahImageSpec): Promise<string> {
  const arch = spec.arch ? ["--arch", spec.arch] : [];
  const ctr = (await box.buildah(...arch, "from", "scratch")).trim();
  for (const [src, dest] of spec.copy) await box.buildah("copy", ctr, src, dest);
  if (spec.cmd) await box.buildah("config", "--cmd", JSON.stringify(spec.cmd), ctr);
  const id = (await box.buildah("commit", "-q", ctr, spec.name)).trim().split("\n").pop() ?? "";
  await box.buildah("rm", ctr);
  return id;
}

/** `buildah push` of a local image to a plain-HTTP registry. */
export async function buildahPush(box: Sandbox, name: string, dest: string): Promise<void> {
  await box.buildah("push", "--tls-verify=false", name, `docker://${dest}`);
}

/** `buildah manifest create/add/push --all`: a multi-arch index of local images at `dest`. */
export async function buildahIndex(
  box: Sandbox,
  list: string,
  images: string[],
  dest: string,
): Promise<void> {
  await box.buildah("manifest", "create", list);
  for (const image of images) await box.buildah("manifest", "add", list, `containers-storage:${image}`);
  await box.buildah("manifest", "push", "--all", "--tls-verify=false", list, `docker://${dest}`);
}

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  // biome-ignore lint/suspicious/noExplicitAny: a parsed JSON document read field by field in tests
  doc: any;
}

const ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** GETs a manifest from a plain-HTTP registry and hashes the bytes as served. */
export async function fetchManifest(url: string, repo: string, ref: string): Promise<FetchedManifest> {
  const res = await fetch(`${url}/v2/${repo}/manifests/${ref}`, { headers: { accept: ACCEPT } });
  if (!res.ok) throw new Error(`GET ${repo}:${ref}: ${res.status} ${await res.text()}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  return {
    digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`,
    mediaType: res.headers.get("content-type") ?? "",
    doc: JSON.parse(bytes.toString("utf8")),
  };
}

export interface BlobCheck {
  /** Blob files whose name matches their content. */
  good: { digest: string; size: number }[];
  /** Blob files whose content does not hash to their name (must stay empty). */
  corrupt: string[];
}

/** Hashes every blob under `<layout>/blobs/sha256`: a visible blob must match its name. */
export async function checkLayoutBlobs(layout: string): Promise<BlobCheck> {
  const dir = join(layout, "blobs", "sha256");
  const out: BlobCheck = { good: [], corrupt: [] };
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const path = join(dir, name);
    const digest = `sha256:${name}`;
    if ((await fileDigest(path)) === digest) out.good.push({ digest, size: (await stat(path)).size });
    else out.corrupt.push(name);
  }
  return out;
}

/**
 * Total size of the regular files under `dir` (recursively); 0 when it does not exist. Files that
 * vanish while it looks (a writer renaming or removing them) count as 0.
 */
export async function treeSize(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const e of entries) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name)).catch(() => undefined))?.size ?? 0;
  }
  return total;
}

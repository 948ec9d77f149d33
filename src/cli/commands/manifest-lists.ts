/**
 * The manifest lists `manifest create` keeps until `manifest push`, where and as the docker CLI
 * keeps them: `$DOCKER_CONFIG/manifests/<list>/<image>` (`~/.docker` without DOCKER_CONFIG; each
 * name made file-safe, `:` → `-`, `/` → `_`), one file a listed image holding Docker's
 * `ImageManifest` (`Ref`, `Descriptor` with its platform, `Raw`, the manifest), written
 * atomically. So a list that `docker manifest create` made is pushed by wharf and the other way
 * round. A list's entries are in the order of their file names, as the docker CLI reads its
 * directory, so that both push the same bytes.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { configDir } from "../../auth/index.js";
import { type Digest, digestOf } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { writeFileAtomicSync } from "../../files/index.js";
import type { ImageConfig, Platform } from "../../oci/index.js";
import { MediaType } from "../../oci/index.js";
import { formatReference, parseReference, type Reference, withDefaultTag } from "../../reference/index.js";
import { type FetchedManifest, fetchBlob, fetchManifest, type Repository } from "../../remote/index.js";
import type { Context } from "../context.js";

/** Docker's `types.ImageManifest` as the docker CLI stores and prints it. */
export interface ImageManifestEntry {
  Ref: string;
  Descriptor: { mediaType: string; digest: Digest; size: number; platform?: Record<string, unknown> };
  Raw: string;
  SchemaV2Manifest?: unknown;
  OCIManifest?: unknown;
}

/** The docker CLI's file-safe name of a reference (`makeFilesafeName`). */
export function filesafe(ref: string): string {
  return ref.replaceAll(":", "-").replaceAll("/", "_");
}

/**
 * The docker CLI's manifest store: `manifests` in the Docker config directory. With `root`, the
 * lists an earlier wharf kept under `<root>/manifests` are moved there first (one not there yet,
 * whole), so that no list made before goes unseen.
 */
export function manifestsDir(ctx: Pick<Context, "env"> & { root?: string }): string {
  const dir = join(configDir({ env: ctx.env }), "manifests");
  if (ctx.root !== undefined) adoptRootLists(join(ctx.root, "manifests"), dir);
  return dir;
}

function adoptRootLists(old: string, dir: string): void {
  if (!existsSync(old)) return;
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(old)) {
    const to = join(dir, name);
    if (existsSync(to)) continue;
    try {
      renameSync(join(old, name), to);
    } catch {
      // Another file system: copied, then removed.
      cpSync(join(old, name), to, { recursive: true });
      rmSync(join(old, name), { recursive: true, force: true });
    }
  }
  // Lists of the same name in both places: the older stays where it was, untouched.
  if (readdirSync(old).length === 0) rmSync(old, { recursive: true, force: true });
}

/** A list's directory in the store `dir` (`manifestsDir`). */
export function listDir(dir: string, list: string): string {
  return join(dir, filesafe(list));
}

/** A reference as the docker CLI names it in a list: normalized, with its tag (`latest` by default). */
export function refName(input: string): { ref: Reference; name: string } {
  const ref = withDefaultTag(parseReference(input));
  return { ref, name: formatReference(ref) };
}

/** Go's field order for an OCI platform (`ocispec.Platform`); empty fields left out. */
export function platformJson(p: Platform): Record<string, unknown> {
  return {
    architecture: p.architecture,
    os: p.os,
    ...(p["os.version"] ? { "os.version": p["os.version"] } : {}),
    ...(p["os.features"]?.length ? { "os.features": p["os.features"] } : {}),
    ...(p.variant ? { variant: p.variant } : {}),
  };
}

/** An image's platform from its config (os.version, os.features and variant too), as the docker CLI reads it. */
export async function configPlatform(repo: Repository, m: FetchedManifest): Promise<Platform | undefined> {
  if (m.document.kind !== "manifest") return undefined;
  const chunks: Uint8Array[] = [];
  for await (const c of await fetchBlob(repo, m.document.manifest.config)) chunks.push(c);
  const config = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ImageConfig;
  return {
    architecture: config.architecture,
    os: config.os,
    ...(config.variant ? { variant: config.variant } : {}),
    ...(config["os.version"] ? { "os.version": config["os.version"] } : {}),
    ...(config["os.features"]?.length ? { "os.features": config["os.features"] } : {}),
  };
}

/** Docker's `ImageManifest` for one image manifest. */
export function imageManifest(
  ref: string,
  m: FetchedManifest,
  platform: Platform | undefined,
): ImageManifestEntry {
  const body = JSON.parse(m.bytes.toString("utf8")) as unknown;
  const key = m.mediaType === MediaType.dockerManifest ? "SchemaV2Manifest" : "OCIManifest";
  return {
    Ref: ref,
    Descriptor: {
      mediaType: m.mediaType,
      digest: m.digest,
      size: m.size,
      ...(platform ? { platform: platformJson(platform) } : {}),
    },
    Raw: m.bytes.toString("base64"),
    [key]: body,
  };
}

/** The entries of a local list, in the docker CLI's order; undefined when there is no such list. */
export function readList(dir: string, list: string): ImageManifestEntry[] | undefined {
  const at = listDir(dir, list);
  if (!existsSync(at)) return undefined;
  return readdirSync(at)
    .filter((n) => !n.startsWith("."))
    .sort()
    .map((n) => JSON.parse(readFileSync(join(at, n), "utf8")) as ImageManifestEntry);
}

export function writeEntry(dir: string, list: string, entry: ImageManifestEntry): void {
  mkdirSync(listDir(dir, list), { recursive: true });
  writeFileAtomicSync(join(listDir(dir, list), filesafe(entry.Ref)), JSON.stringify(entry), {
    flush: false,
  });
}

export function removeList(dir: string, list: string): boolean {
  const at = listDir(dir, list);
  if (!existsSync(at)) return false;
  rmSync(at, { recursive: true, force: true });
  return true;
}

/** A list's entry as distribution's `ManifestDescriptor` marshals it (mediaType, size, digest, platform). */
function listEntry(d: ImageManifestEntry["Descriptor"]): Record<string, unknown> {
  return {
    mediaType: d.mediaType,
    size: d.size,
    digest: d.digest,
    platform: d.platform ?? { architecture: "", os: "" },
  };
}

/**
 * The list as the docker CLI makes it from its entries (distribution's `FromDescriptors`: an OCI
 * index when the first entry is an OCI manifest, else a Docker manifest list; three-space indent):
 * these bytes are what `manifest push` sends, and `manifest inspect` prints.
 */
export function listBytes(entries: readonly ImageManifestEntry["Descriptor"][]): {
  bytes: Buffer;
  mediaType: string;
} {
  const mediaType =
    entries[0]?.mediaType === MediaType.ociManifest ? MediaType.ociIndex : MediaType.dockerManifestList;
  const doc = { schemaVersion: 2, mediaType, manifests: entries.map(listEntry) };
  return { bytes: Buffer.from(JSON.stringify(doc, null, "   ")), mediaType };
}

/** The digest of what `listBytes` gives. */
export function listDigest(entries: readonly ImageManifestEntry["Descriptor"][]): Digest {
  return digestOf(listBytes(entries).bytes);
}

/** Fetches a manifest for a list, with Docker's messages for a missing one or a list. */
export async function fetchForList(repo: Repository, ref: Reference, name: string): Promise<FetchedManifest> {
  let m: FetchedManifest;
  try {
    m = await fetchManifest(repo, ref.digest ?? (ref.tag as string));
  } catch (e) {
    if (e instanceof WharfError && (e.code === "manifest-unknown" || e.code === "name-unknown")) {
      throw new WharfError("manifest-unknown", `no such manifest: ${name}`, {
        hint: "check the name and tag, and that you are logged in to the registry",
      });
    }
    throw e;
  }
  return m;
}

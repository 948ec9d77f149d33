import { gzipSync } from "node:zlib";
import { makeTar } from "../../archive/testing/tar.js";
import { type Digest, digestOf } from "../../digest/index.js";
import { MediaType } from "../../oci/index.js";

/** Small helpers for tests that talk to a registry over HTTP with fetch. */
export interface Pushed {
  digest: Digest;
  body: Buffer;
}

export async function pushBlob(url: string, name: string, content: Buffer | string): Promise<Pushed> {
  const body = Buffer.from(content);
  const digest = digestOf(body);
  const res = await fetch(`${url}/v2/${name}/blobs/uploads/?digest=${digest}`, { method: "POST", body });
  await res.arrayBuffer();
  if (res.status === 201) return { digest, body };
  // Registries without monolithic POST (Distribution 2.8) open a session instead: finish it with PUT.
  const location = res.headers.get("location");
  if (res.status !== 202 || !location) throw new Error(`blob push failed: ${res.status}`);
  const target = new URL(location, url);
  target.searchParams.set("digest", digest);
  const put = await fetch(target, { method: "PUT", body });
  await put.arrayBuffer();
  if (put.status !== 201) throw new Error(`blob push failed: ${put.status}`);
  return { digest, body };
}

/** An OCI image manifest over the given config and layers (pushed first by the caller). */
export function imageManifest(
  config: Pushed,
  layers: Pushed[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: config.digest, size: config.body.length },
    layers: layers.map((l) => ({ mediaType: MediaType.ociLayerGzip, digest: l.digest, size: l.body.length })),
    ...extra,
  };
}

export async function putManifest(
  url: string,
  name: string,
  ref: string,
  doc: unknown,
  mediaType: string = MediaType.ociManifest,
): Promise<Response & { digest: Digest; bytes: Buffer }> {
  const bytes = Buffer.from(JSON.stringify(doc));
  const res = await fetch(`${url}/v2/${name}/manifests/${ref}`, {
    method: "PUT",
    headers: { "Content-Type": mediaType },
    body: bytes,
  });
  await res.arrayBuffer();
  return Object.assign(res, { digest: digestOf(bytes), bytes });
}

/** A gzipped layer tar holding one file, `seed`, whose content names the seed (deterministic bytes). */
async function layerOf(seed: string): Promise<{ gz: Buffer; diffId: Digest }> {
  const tar = await makeTar([{ name: seed, body: `layer-${seed}\n` }]);
  return { gz: gzipSync(tar), diffId: digestOf(tar) };
}

/**
 * Pushes a one-layer image and tags it; returns the manifest's digest and its parts. The image is a
 * real one (a gzipped tar layer whose diff ID the config names), so tests can validate what they read back.
 */
export async function pushImage(
  url: string,
  name: string,
  tag: string,
  seed = "x",
): Promise<{ digest: Digest; manifest: Buffer; config: Pushed; layer: Pushed }> {
  const { gz, diffId } = await layerOf(seed);
  const configDoc = {
    architecture: "amd64",
    os: "linux",
    seed,
    rootfs: { type: "layers", diff_ids: [diffId] },
  };
  const config = await pushBlob(url, name, JSON.stringify(configDoc));
  const layer = await pushBlob(url, name, gz);
  const res = await putManifest(url, name, tag, imageManifest(config, [layer]));
  if (res.status !== 201) throw new Error(`manifest push failed: ${res.status}`);
  return { digest: res.digest, manifest: res.bytes, config, layer };
}

/** The first OCI error code of an error response. */
export async function errorCode(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { errors?: { code: string }[] };
  return body.errors?.[0]?.code;
}

import { type Digest, digestOf } from "../../../digest/index.js";
import { MediaType } from "../../../oci/index.js";

/** What the scenario pushed. */
export interface ScenarioResult {
  config: { digest: Digest; size: number };
  layers: { digest: Digest; size: number }[];
  manifest: { digest: Digest; size: number };
  /** The status of every request, in order (all must be 2xx). */
  statuses: [string, number][];
}

/**
 * The same requests against any registry (Distribution 2.8 or wharf's), to compare the events each
 * sends: a two-layer image pushed with a tag (uploads opened by POST, finished by PUT), the manifest
 * pulled by HEAD and GET (by tag and digest), a layer by HEAD and GET (whole, unchanged since an
 * ETag, a range), the manifest again unchanged since its ETag, a cross-repository mount,
 * the manifest deleted by digest and a layer deleted.
 */
export async function runScenario(url: string, name = "a/img", other = "b/other"): Promise<ScenarioResult> {
  const statuses: [string, number][] = [];
  const call = async (what: string, path: string, init: RequestInit = {}): Promise<Response> => {
    const res = await fetch(new URL(path, url), init);
    await res.arrayBuffer();
    statuses.push([what, res.status]);
    if (res.status >= 300 && res.status !== 304) throw new Error(`${what}: ${res.status}`);
    return res;
  };
  const blob = async (body: Buffer) => {
    const digest = digestOf(body);
    const start = await call("start upload", `/v2/${name}/blobs/uploads/`, { method: "POST" });
    const location = new URL(start.headers.get("location") ?? "", url);
    location.searchParams.set("digest", digest);
    await call("finish upload", location.toString(), { method: "PUT", body });
    return { digest, size: body.length };
  };
  const config = await blob(
    Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'),
  );
  const layers = [await blob(Buffer.from("layer-one")), await blob(Buffer.from("layer-two!"))];
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, ...config },
      layers: layers.map((l) => ({ mediaType: MediaType.ociLayerGzip, ...l })),
    }),
  );
  const manifest = { digest: digestOf(body), size: body.length };
  const headers = { "Content-Type": MediaType.ociManifest };
  await call("put manifest", `/v2/${name}/manifests/v1`, { method: "PUT", body, headers });
  const accept = { Accept: MediaType.ociManifest };
  await call("head manifest", `/v2/${name}/manifests/v1`, { method: "HEAD", headers: accept });
  await call("get manifest", `/v2/${name}/manifests/v1`, { headers: accept });
  await call("get manifest by digest", `/v2/${name}/manifests/${manifest.digest}`, { headers: accept });
  const layer = layers[0] as { digest: Digest };
  await call("head blob", `/v2/${name}/blobs/${layer.digest}`, { method: "HEAD" });
  await call("get blob", `/v2/${name}/blobs/${layer.digest}`);
  // Conditional and partial reads: Distribution reports the blob's 304 and 206 as pulls, and a
  // manifest's 304 as nothing.
  await call("get blob, unchanged", `/v2/${name}/blobs/${layer.digest}`, {
    headers: { "If-None-Match": `"${layer.digest}"` },
  });
  await call("get blob range", `/v2/${name}/blobs/${layer.digest}`, { headers: { Range: "bytes=0-3" } });
  await call("get manifest, unchanged", `/v2/${name}/manifests/v1`, {
    headers: { ...accept, "If-None-Match": `"${manifest.digest}"` },
  });
  await call("mount", `/v2/${other}/blobs/uploads/?mount=${layer.digest}&from=${name}`, { method: "POST" });
  await call("delete manifest", `/v2/${name}/manifests/${manifest.digest}`, { method: "DELETE" });
  await call("delete blob", `/v2/${name}/blobs/${layers[1]?.digest}`, { method: "DELETE" });
  return { config, layers, manifest, statuses };
}

import { type Digest, digestOf } from "../../../digest/index.js";
import { validateRegistry } from "../../../images/testing/validate.js";
import { MediaType } from "../../../oci/index.js";
import { createTransport } from "../../../remote/index.js";
import { imageManifest, pushBlob, pushImage, putManifest } from "../../testing/push.js";

/**
 * A registry's content for garbage-collection tests, pushed over HTTP (so that it works against
 * wharf and Distribution alike):
 *
 * - `a:v1` (kept), `a:v2` moved to a new image (the old one is untagged), an orphan blob in `a`;
 * - `c/d`: an image whose manifest was deleted (its blobs are unreferenced);
 * - with `index`: `b:latest`, an index whose one child was pushed by digest (untagged; the same
 *   image is `tmp:child`);
 * - with `referrer`: an untagged artifact in `a` whose subject is `a:v1`.
 */
export interface Scenario {
  kept: { repo: string; tag: string; digest: Digest }[];
  /** Blobs nothing references (deleted by any collection). */
  garbage: Digest[];
  /** The untagged manifest `a` held (deleted with --delete-untagged), and its own blobs. */
  untagged: { digest: Digest; blobs: Digest[] };
  /** The index's child (untagged), when pushed. */
  child?: Digest;
  /** The referrer (untagged), when pushed. */
  referrer?: Digest;
}

export async function pushScenario(
  url: string,
  opts: { index?: boolean; referrer?: boolean } = {},
): Promise<Scenario> {
  const a1 = await pushImage(url, "a", "v1", "one");
  const a2 = await pushImage(url, "a", "v2", "two");
  const a3 = await pushImage(url, "a", "v2", "three");
  const orphan = await pushBlob(url, "a", "an orphan blob");
  const gone = await pushImage(url, "c/d", "gone", "four");
  const del = await fetch(`${url}/v2/c/d/manifests/${gone.digest}`, { method: "DELETE" });
  await del.arrayBuffer();
  if (del.status !== 202) throw new Error(`manifest delete failed: ${del.status}`);
  const out: Scenario = {
    kept: [
      { repo: "a", tag: "v1", digest: a1.digest },
      { repo: "a", tag: "v2", digest: a3.digest },
    ],
    garbage: [orphan.digest, gone.digest, gone.config.digest, gone.layer.digest],
    untagged: { digest: a2.digest, blobs: [a2.config.digest, a2.layer.digest] },
  };
  if (opts.index) {
    // The child goes in by digest only (pushed tagged elsewhere, then its parts copied).
    const child = await pushImage(url, "tmp", "child", "five");
    await pushBlob(url, "b", child.config.body);
    await pushBlob(url, "b", child.layer.body);
    const again = await putManifest(url, "b", child.digest, JSON.parse(child.manifest.toString()));
    if (again.status !== 201 || again.digest !== child.digest)
      throw new Error(`child push failed: ${again.status}`);
    out.kept.push({ repo: "tmp", tag: "child", digest: child.digest });
    const index = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        {
          mediaType: MediaType.ociManifest,
          digest: child.digest,
          size: child.manifest.length,
          platform: { architecture: "amd64", os: "linux" },
        },
      ],
    };
    const res = await putManifest(url, "b", "latest", index, MediaType.ociIndex);
    if (res.status !== 201) throw new Error(`index push failed: ${res.status}`);
    out.kept.push({ repo: "b", tag: "latest", digest: res.digest });
    out.child = child.digest;
  }
  if (opts.referrer) {
    const empty = await pushBlob(url, "a", "{}");
    const doc = {
      ...imageManifest(empty, []),
      artifactType: "application/vnd.example.signature",
      subject: { mediaType: MediaType.ociManifest, digest: a1.digest, size: a1.manifest.length },
    };
    const d = digestOf(Buffer.from(JSON.stringify(doc)));
    const res = await putManifest(url, "a", d, doc);
    if (res.status !== 201) throw new Error(`referrer push failed: ${res.status}`);
    out.referrer = d;
  }
  return out;
}

/** Pulls and re-hashes every kept tag's graph through the client. */
export async function validateKept(host: string, s: Pick<Scenario, "kept">): Promise<number> {
  const t = createTransport(host);
  let blobs = 0;
  try {
    for (const k of s.kept) blobs += (await validateRegistry({ transport: t, path: k.repo }, k.tag)).blobs;
  } finally {
    t.close();
  }
  return blobs;
}

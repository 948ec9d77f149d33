import { type Bytes, type Digest, digestOf } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { MediaType } from "../../oci/index.js";
import type { Upstream } from "./upstream.js";

/** An in-process upstream for the cache's tests: content in maps, counters, and switches. */
export interface FakeUpstream extends Upstream {
  blobs: Map<string, Buffer>;
  manifests: Map<string, Buffer>;
  tagMap: Map<string, Digest>;
  fetches: Map<string, number>;
  /** Set: every call fails as an unreachable upstream would. */
  down: boolean;
  /** Bytes served instead of the blob's (a lying upstream), by digest. */
  lies: Map<string, Buffer>;
  /** Resolves to let a blob's second half through (the first half is sent at once). */
  gate?: Promise<void>;
}

const unreachable = () => new Error("connect ECONNREFUSED 127.0.0.1:1");

export function fakeUpstream(): FakeUpstream {
  const up: FakeUpstream = {
    blobs: new Map(),
    manifests: new Map(),
    tagMap: new Map(),
    fetches: new Map(),
    down: false,
    lies: new Map(),
    async manifest(repo, ref, _accept, opts) {
      if (up.down) throw unreachable();
      const digest = ref.includes(":") ? (ref as Digest) : up.tagMap.get(`${repo}:${ref}`);
      const body = digest ? up.manifests.get(`${repo}@${digest}`) : undefined;
      if (!digest || !body) throw new WharfError("manifest-unknown", `manifest unknown: ${repo}:${ref}`);
      return { digest, mediaType: MediaType.ociManifest, ...(opts.head ? {} : { body }) };
    },
    async blob(repo, digest) {
      if (up.down) throw unreachable();
      const real = up.blobs.get(`${repo}@${digest}`);
      if (!real) throw new WharfError("blob-unknown", `blob unknown: ${digest}`);
      up.fetches.set(digest, (up.fetches.get(digest) ?? 0) + 1);
      const data = up.lies.get(digest) ?? real;
      const gate = up.gate;
      async function* body(): Bytes {
        const half = Math.floor(data.length / 2);
        yield data.subarray(0, half);
        if (gate) await gate;
        yield data.subarray(half);
      }
      return { size: real.length, body: body() };
    },
    async blobSize(repo, digest) {
      if (up.down) throw unreachable();
      const real = up.blobs.get(`${repo}@${digest}`);
      if (!real) throw new WharfError("blob-unknown", `blob unknown: ${digest}`);
      return real.length;
    },
    async tags(repo) {
      if (up.down) throw unreachable();
      const tags = [...up.tagMap.keys()]
        .filter((k) => k.startsWith(`${repo}:`))
        .map((k) => k.slice(repo.length + 1));
      if (tags.length === 0) throw new WharfError("name-unknown", `repository name not known: ${repo}`);
      return tags;
    },
  };
  return up;
}

/** Puts an image (one layer) into the fake upstream under repo:tag. */
export function seedImage(
  up: FakeUpstream,
  repo: string,
  tag: string,
  layer: Buffer,
): { manifest: Digest; layer: Digest; config: Digest } {
  const config = Buffer.from(
    JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }),
  );
  const cd = digestOf(config);
  const ld = digestOf(layer);
  up.blobs.set(`${repo}@${cd}`, config);
  up.blobs.set(`${repo}@${ld}`, layer);
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: cd, size: config.length },
      layers: [{ mediaType: MediaType.ociLayerGzip, digest: ld, size: layer.length }],
    }),
  );
  const md = digestOf(body);
  up.manifests.set(`${repo}@${md}`, body);
  up.tagMap.set(`${repo}:${tag}`, md);
  return { manifest: md, layer: ld, config: cd };
}

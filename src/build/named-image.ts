import { createReadStream } from "node:fs";
import { randomHex } from "../digest/index.js";
import { errnoCode } from "../errors/index.js";
import {
  type Descriptor,
  hostPlatform,
  parseImageConfig,
  parseManifestDocument,
  parsePlatform,
  selectPlatform,
} from "../oci/index.js";
import type { BaseImage } from "./base.js";
import type { BuildEnv } from "./env.js";
import type { DirContext, NamedContext } from "./named-context.js";
import { blobFile, type LayoutContext, readDoc, topDigest, unresolved } from "./oci-layout.js";

/** Copies a blob of the layout into the build's (leased) store, verified as it is committed. */
async function ingestBlob(env: BuildEnv, nc: LayoutContext, d: Descriptor): Promise<void> {
  if (await env.images.content.info(d.digest)) return;
  const w = await env.images.content.ingest(`build-oci-${process.pid}-${randomHex(6)}`);
  try {
    for await (const c of createReadStream(blobFile(nc.dir, d.digest), { highWaterMark: 1 << 20 }))
      await w.write(c as Buffer);
    await w.commit({ digest: d.digest, size: d.size });
  } catch (e) {
    await w.abort().catch(() => undefined);
    if (errnoCode(e) === "ENOENT") throw unresolved(nc, `${d.digest} is not in ${nc.dir}`);
    throw e;
  }
}

const loaded = new WeakMap<BuildEnv, Map<string, Promise<BaseImage>>>();

async function load(env: BuildEnv, nc: LayoutContext, platform: string | undefined): Promise<BaseImage> {
  const top = await topDigest(nc);
  const meta = env.progress.vertex(`[context ${nc.name}] load metadata for ${nc.name}@${top}`);
  try {
    let digest = top;
    let doc = parseManifestDocument(await readDoc(nc, top));
    if (doc.kind === "index") {
      const want = platform ? parsePlatform(platform) : hostPlatform();
      const m = selectPlatform(doc.index.manifests, want);
      if (!m) throw unresolved(nc, `the index ${top} has no image for ${platform ?? "this platform"}`);
      digest = m.digest;
      doc = parseManifestDocument(await readDoc(nc, digest));
    }
    if (doc.kind !== "manifest") throw unresolved(nc, `${digest} is not an image manifest`);
    const config = parseImageConfig(await readDoc(nc, doc.manifest.config.digest));
    for (const d of [doc.manifest.config, ...doc.manifest.layers]) await ingestBlob(env, nc, d);
    meta.done();
    return {
      display: `${nc.name}@${digest}`,
      id: doc.manifest.config.digest,
      config,
      layers: doc.manifest.layers,
      pulled: true,
    };
  } catch (e) {
    meta.error((e as Error).message);
    throw e;
  }
}

/**
 * The image an `oci-layout://` context names (a tag of the layout's index, a digest, or its only
 * image; an index resolved for the platform), its config and layers copied into the build's store
 * (verified), once per build.
 */
export function layoutImage(
  env: BuildEnv,
  nc: LayoutContext,
  platform: string | undefined,
): Promise<BaseImage> {
  let m = loaded.get(env);
  if (!m) {
    m = new Map();
    loaded.set(env, m);
  }
  const key = `${nc.name}\0${platform ?? ""}`;
  let p = m.get(key);
  if (!p) {
    p = load(env, nc, platform);
    m.set(key, p);
  }
  return p;
}

/**
 * The image an image context names: `docker-image://REF` resolved as FROM resolves one (local
 * first, `--pull`, verification), `oci-layout://` read from the layout; undefined for `scratch`.
 * `step` is the name BuildKit gives its FROM step.
 */
export async function namedImage(
  env: BuildEnv,
  nc: Exclude<NamedContext, DirContext>,
  platform: string | undefined,
): Promise<{ img: BaseImage; step: string } | undefined> {
  if (nc.kind === "oci")
    return { img: await layoutImage(env, nc, platform), step: `[context ${nc.name}] OCI load from client` };
  if (nc.ref === "scratch") return undefined;
  return {
    img: await env.image(nc.ref, platform, `[context ${nc.name}]`),
    step: `[context ${nc.name}] ${nc.ref}`,
  };
}

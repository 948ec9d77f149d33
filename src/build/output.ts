import { execFile } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { pack } from "tar-stream";
import type { Digest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { imageManifest, storeDocument } from "../images/index.js";
import { type ImageConfig, MediaType } from "../oci/index.js";
import type { BuildEnv } from "./env.js";
import { mountLayers } from "./trees.js";
import type { BuildOutput, StateLayer } from "./types.js";

const run = promisify(execFile);

/** `--output type=local,dest=DIR`: the final stage's files, copied into DIR (made when missing). */
async function exportLocal(env: BuildEnv, layers: readonly StateLayer[], dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  const tree = await mountLayers(env, layers);
  try {
    await run("cp", ["-a", "--reflink=auto", "--", `${tree.dir}/.`, dest]);
  } catch (e) {
    const detail = (e as { stderr?: string }).stderr?.trim() || (e as Error).message;
    throw new WharfError("io", `cannot export the build result to ${dest}: ${detail}`, { cause: e });
  } finally {
    await tree.release();
  }
}

/**
 * `--output type=oci,dest=FILE`: an OCI image layout as a tar (oci-layout, index.json, blobs), the
 * manifest with OCI media types (BuildKit's oci exporter default), blobs streamed from the store.
 */
async function exportOci(
  env: BuildEnv,
  config: ImageConfig,
  layers: readonly StateLayer[],
  dest: string,
  names: readonly string[],
): Promise<void> {
  const store = env.images.content;
  await env.ensureLayers(layers);
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDesc = await storeDocument(store, MediaType.ociConfig, configBytes);
  const manifest = imageManifest(configDesc, layers, "oci");
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestDesc = await storeDocument(store, MediaType.ociManifest, manifestBytes);
  const index = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: [
      {
        ...manifestDesc,
        ...(names[0] ? { annotations: { "org.opencontainers.image.ref.name": names[0] } } : {}),
      },
    ],
  };
  const p = pack();
  const out = createWriteStream(dest);
  const done = pipeline(p, out);
  const add = (name: string, body: Buffer) =>
    new Promise<void>((res, rej) =>
      p.entry({ name, mtime: new Date(0), mode: 0o644 }, body, (e) => (e ? rej(e) : res())),
    );
  const blob = async (digest: Digest, size: number) => {
    const sink = p.entry({ name: `blobs/sha256/${digest.slice(7)}`, size, mtime: new Date(0), mode: 0o644 });
    await pipeline(await store.read(digest), sink);
  };
  try {
    await add("oci-layout", Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
    await add("index.json", Buffer.from(JSON.stringify(index)));
    await add(`blobs/sha256/${manifestDesc.digest.slice(7)}`, manifestBytes);
    await add(`blobs/sha256/${configDesc.digest.slice(7)}`, configBytes);
    const seen = new Set<string>();
    for (const l of layers) {
      if (seen.has(l.digest)) continue;
      seen.add(l.digest);
      await blob(l.digest, l.size);
    }
    p.finalize();
  } catch (e) {
    p.destroy(e instanceof Error ? e : new Error(String(e)));
  }
  await done;
}

export async function exportOutputs(
  env: BuildEnv,
  outputs: readonly BuildOutput[],
  config: ImageConfig,
  layers: readonly StateLayer[],
  names: readonly string[],
): Promise<void> {
  for (const o of outputs) {
    if (o.type === "local") await exportLocal(env, layers, o.dest);
    else await exportOci(env, config, layers, o.dest, names);
  }
}

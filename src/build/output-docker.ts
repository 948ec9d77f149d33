import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { archiveWriter } from "../archive/index.js";
import { WharfError } from "../errors/index.js";
import { imageManifest, storeDocument } from "../images/index.js";
import { type ImageConfig, MediaType } from "../oci/index.js";
import { parseReference, type Reference, withDefaultTag } from "../reference/index.js";
import { manifestAnnotations } from "./annotations.js";
import type { BuildEnv } from "./env.js";
import type { StateLayer } from "./types.js";

function tagsOf(names: readonly string[]): Reference[] {
  return names.map((n) => {
    try {
      return withDefaultTag(parseReference(n));
    } catch (e) {
      throw new WharfError("invalid-reference", `invalid reference format: ${n}`, { cause: e });
    }
  });
}

/**
 * `--output type=docker,dest=FILE|-` (BuildKit's docker exporter with a destination): the image as
 * a Docker archive that `docker load` and `wharf load` read (`manifest.json` beside an OCI layout,
 * as `save` writes), Docker's media types (the exporter's default), tagged with `name=` or the
 * build's `-t` names; the image is not kept in the store. `out` is the stream for `dest=-`.
 */
export async function exportDocker(
  env: BuildEnv,
  config: ImageConfig,
  layers: readonly StateLayer[],
  dest: string,
  names: readonly string[],
  out: NodeJS.WritableStream | undefined,
): Promise<void> {
  const store = env.images.content;
  const tags = tagsOf(names);
  await env.ensureLayers(layers);
  const configDesc = await storeDocument(store, MediaType.dockerConfig, Buffer.from(JSON.stringify(config)));
  const manifest = imageManifest(configDesc, layers, "docker", manifestAnnotations(env, config));
  const bytes = Buffer.from(JSON.stringify(manifest));
  const manifestDesc = await storeDocument(store, manifest.mediaType ?? MediaType.dockerManifest, bytes);
  const w = archiveWriter("docker");
  const sink = dest === "-" ? out : createWriteStream(dest);
  if (!sink) throw new WharfError("internal", "a docker output to stdout needs the build's outputStream");
  const written = pipeline(w.stream, sink, { end: dest !== "-" });
  const feed = (async () => {
    for (const d of [manifest.config, ...manifest.layers]) await w.blob(d, () => store.read(d.digest));
    await w.document(manifestDesc, bytes);
    await w.finish([
      {
        descriptor: manifestDesc,
        manifest,
        diffIds: config.rootfs.diff_ids,
        tags,
        platform: {
          os: config.os,
          architecture: config.architecture,
          ...(config.variant ? { variant: config.variant } : {}),
        },
      },
    ]);
  })();
  feed.catch((e: unknown) => w.destroy(e));
  await Promise.all([feed, written]);
}

import { execFile, spawn } from "node:child_process";
import { createWriteStream, readdirSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { pack } from "tar-stream";
import type { ContentStore } from "../content/index.js";
import { collect, type Digest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { imageManifest, storeDocument } from "../images/index.js";
import { type Descriptor, type ImageConfig, MediaType, walkGraph } from "../oci/index.js";
import { manifestAnnotations } from "./annotations.js";
import type { BuildEnv } from "./env.js";
import { exportDocker } from "./output-docker.js";
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
 * Writes the OCI image layout of `top` (an image manifest or an index of them, stored) as a tar at
 * `dest`: `oci-layout`, `index.json` naming `top` (with `name` as `org.opencontainers.image.ref.name`)
 * and every blob of its graph once, streamed from the store.
 */
export async function writeOciTar(
  store: ContentStore,
  top: Descriptor,
  dest: string,
  name: string | undefined,
): Promise<void> {
  const index = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: [{ ...top, ...(name ? { annotations: { "org.opencontainers.image.ref.name": name } } : {}) }],
  };
  const p = pack();
  const out = createWriteStream(dest);
  const done = pipeline(p, out);
  const add = (path: string, body: Uint8Array) =>
    new Promise<void>((res, rej) =>
      p.entry({ name: path, mtime: new Date(0), mode: 0o644 }, Buffer.from(body), (e) =>
        e ? rej(e) : res(),
      ),
    );
  const blob = async (digest: Digest, size: number) => {
    const sink = p.entry({ name: `blobs/sha256/${digest.slice(7)}`, size, mtime: new Date(0), mode: 0o644 });
    await pipeline(await store.read(digest), sink);
  };
  try {
    await add("oci-layout", Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
    await add("index.json", Buffer.from(JSON.stringify(index)));
    const read = async (d: Descriptor) => collect(await store.read(d.digest), 4 << 20);
    for await (const n of walkGraph([top], read, { foreign: "skip" })) {
      if (n.bytes) await add(`blobs/sha256/${n.descriptor.digest.slice(7)}`, n.bytes);
      else await blob(n.descriptor.digest, n.descriptor.size);
    }
    p.finalize();
  } catch (e) {
    p.destroy(e instanceof Error ? e : new Error(String(e)));
  }
  await done;
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
  const configDesc = await storeDocument(store, MediaType.ociConfig, Buffer.from(JSON.stringify(config)));
  const manifest = imageManifest(configDesc, layers, "oci", manifestAnnotations(env, config));
  const manifestDesc = await storeDocument(
    store,
    MediaType.ociManifest,
    Buffer.from(JSON.stringify(manifest)),
  );
  await writeOciTar(store, manifestDesc, dest, names[0]);
}

/**
 * `--output type=tar,dest=FILE` (and `-o -`, to `out`): the final stage's files as one tar, as
 * BuildKit's tar exporter writes them (names relative to the root, no `./`), owners by number.
 */
async function exportTar(
  env: BuildEnv,
  layers: readonly StateLayer[],
  dest: string,
  out: NodeJS.WritableStream | undefined,
): Promise<void> {
  const tree = await mountLayers(env, layers);
  try {
    const names = readdirSync(tree.dir).sort();
    const args = [
      "-C",
      tree.dir,
      "-cf",
      "-",
      "--numeric-owner",
      ...(names.length ? ["--", ...names] : ["-T", "/dev/null"]),
    ];
    const tar = spawn("tar", args, { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    tar.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const ended = new Promise<number>((resolve, reject) => {
      tar.once("error", reject);
      tar.once("close", (code) => resolve(code ?? 1));
    });
    if (dest === "-") {
      if (!out) throw new WharfError("internal", "a tar output to stdout needs the build's outputStream");
      await pipeline(tar.stdout, out, { end: false });
    } else {
      await pipeline(tar.stdout, createWriteStream(dest));
    }
    const code = await ended;
    if (code !== 0) {
      throw new WharfError(
        "io",
        `cannot export the build result as a tar: ${stderr.trim() || `tar exited ${code}`}`,
      );
    }
  } finally {
    await tree.release();
  }
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
    else if (o.type === "tar") await exportTar(env, layers, o.dest, env.opts.outputStream);
    else if (o.type === "docker")
      await exportDocker(env, config, layers, o.dest, o.name ? [o.name] : names, env.opts.outputStream);
    else await exportOci(env, config, layers, o.dest, names);
  }
}

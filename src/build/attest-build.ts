import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { archiveWriter } from "../archive/index.js";
import { collect, randomHex } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { type Images, openImages, readManifest, storeDocument } from "../images/index.js";
import {
  type Descriptor,
  formatPlatform,
  hostPlatform,
  MediaType,
  type Platform,
  parsePlatform,
  walkGraph,
} from "../oci/index.js";
import { formatReference, parseReference, withDefaultTag } from "../reference/index.js";
import { push } from "../remote/index.js";
import { annotationsOf } from "./annotations.js";
import {
  type AttestRequest,
  type InTotoStatement,
  provenanceStatement,
  storeAttestationManifest,
  subjectsOf,
} from "./attest.js";
import { imagePackages, sbomStatement, spdxDocument } from "./attest-sbom.js";
import { build } from "./build.js";
import { openLayerView } from "./layer-view.js";
import { writeOciTar } from "./output.js";
import { forgetParts, hostPart, type PlatformPart, partsResult } from "./platforms-each.js";
import type { BuildOptions, BuildResult } from "./types.js";

function refuse(what: string, hint: string): never {
  throw new WharfError("invalid-argument", `${what} is not supported with attestations`, { hint });
}

/**
 * A build with attestations, as BuildKit's image exporter makes one: each platform built (one, or
 * each of `--platform a,b`), then one OCI index listing the platforms' manifests and, after them,
 * an attestation manifest per platform (`attest.ts`). The index is what the tags name (recorded with
 * this machine's image as the one `run` uses), what `--push` pushes and what `-o type=oci|docker`
 * writes; the platforms' images are the same as without attestations (same IDs, same manifests).
 */
export async function buildAttested(
  o: BuildOptions,
  platforms: readonly Platform[],
  attest: AttestRequest,
): Promise<BuildResult> {
  const outputs = o.outputs ?? [];
  if (outputs.some((x) => x.type === "local" || x.type === "tar"))
    refuse("a local or tar --output", "use -o type=oci|docker,dest=FILE, --push or the image store");
  const multi = platforms.length > 1;
  if (multi && (o.context === "-" || o.file === "-"))
    refuse("a context or Dockerfile on stdin with several platforms", "give the context as a directory");
  if (multi && o.cacheTo?.some((c) => c.type !== "inline"))
    refuse("--cache-to with several platforms", "export the cache from a single-platform build");
  if (o.push && (o.tags ?? []).length === 0) {
    throw new WharfError("usage", "tag is needed when pushing to registry", {
      hint: "name the image with -t REGISTRY/NAME:TAG",
    });
  }
  const started = new Date();
  const invocationId = randomHex(13);
  const names = (o.tags ?? []).map((t) => formatReference(withDefaultTag(parseReference(t))));
  const wanted = platforms.length > 0 ? platforms : [o.platform ? parsePlatform(o.platform) : hostPlatform()];
  const parts: PlatformPart[] = [];
  try {
    for (const platform of wanted) {
      const result = await build({
        ...o,
        // One platform not asked for is left unset, as without attestations (the cache keys of
        // `FROM scratch` name the platform as given): the same records, the same image.
        ...(multi || o.platform ? { platform: formatPlatform(platform) } : {}),
        ...(multi ? { platformLabel: true } : {}),
        checkSummary: parts.length === 0,
        tags: [],
        push: false,
        outputs: [],
      });
      parts.push({ platform, result });
    }
  } catch (e) {
    await forgetParts(o.root, parts);
    throw e;
  }
  const finished = new Date();
  const images = await openImages(o.root);
  let keep = outputs.length === 0;
  try {
    const entries: Descriptor[] = [];
    const attestations: Descriptor[] = [];
    for (const { result } of parts) {
      const { os, architecture, variant } = result.config;
      const platform = { architecture, os, ...(variant ? { variant } : {}) };
      const onEntry = annotationsOf(o.annotations, "manifest-descriptor", platform);
      const entry: Descriptor = {
        mediaType: result.manifest.mediaType,
        digest: result.manifest.digest,
        size: result.manifest.size,
        platform,
        ...(onEntry ? { annotations: onEntry } : {}),
      };
      entries.push(entry);
      const statements: InTotoStatement[] = [];
      if (attest.sbom) {
        const { manifest } = await readManifest(images.content, result.manifest.digest);
        const view = await openLayerView({
          snapshots: join(o.root, "snapshots"),
          store: images.content,
          layers: manifest.layers,
          diffIds: result.config.rootfs.diff_ids,
        });
        const { packages, os } = await imagePackages(view);
        const doc = spdxDocument(names[0] ?? "sbom", packages, os, finished);
        statements.push(sbomStatement(subjectsOf({ names, platform, subject: result.manifest.digest }), doc));
      }
      if (attest.provenance && result.provenance)
        statements.push(
          provenanceStatement({
            request: attest.provenance,
            subject: result.manifest.digest,
            names,
            platform,
            inputs: result.provenance,
            buildArgs: o.buildArgs ?? {},
            labels: o.labels ?? {},
            ...(o.target ? { target: o.target } : {}),
            ...(o.platform || multi ? { platformArg: wanted.map(formatPlatform).join(",") } : {}),
            ...(o.noCache ? { noCache: true } : {}),
            secrets: (o.secrets ?? []).map((s) => ({ id: s.id, optional: true })),
            ssh: (o.ssh ?? []).map((s) => ({ id: s.id, optional: true })),
            networkNone: o.network === "none",
            invocationId,
            started,
            finished,
            builderPlatform: hostPlatform(),
          }),
        );
      if (statements.length > 0)
        attestations.push(await storeAttestationManifest(images.content, entry, statements));
    }
    const onIndex = annotationsOf(o.annotations, "index");
    const index = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [...entries, ...attestations],
      ...(onIndex ? { annotations: onIndex } : {}),
    };
    const indexDesc = await storeDocument(
      images.content,
      MediaType.ociIndex,
      Buffer.from(JSON.stringify(index)),
    );
    if (outputs.length === 0) {
      const manifest: Descriptor = { ...hostPart(parts).result.manifest };
      const replaces = parts.map((p) => p.result.manifest.digest);
      if (names.length === 0) await images.record({ target: indexDesc, manifest, replaces });
      for (const name of names) await images.record({ name, target: indexDesc, manifest, replaces });
      keep = true;
      for (const name of o.push ? names : []) {
        await push(name, {
          store: images.content,
          images,
          ...(o.transport ? { transport: o.transport } : {}),
        });
      }
    }
    for (const out of outputs) {
      if (out.type === "oci") await writeOciTar(images.content, indexDesc, out.dest, names[0]);
      else if (out.type === "docker")
        await writeDockerTar(
          images,
          indexDesc,
          parts,
          out.name ? [out.name] : names,
          out.dest,
          o.outputStream,
        );
    }
    return partsResult(parts, indexDesc, names);
  } finally {
    await images.close();
    if (!keep) await forgetParts(o.root, parts);
  }
}

/**
 * `-o type=docker,dest=FILE` with attestations: Docker's archive whose `index.json` names the index
 * (attestation manifests included, OCI media types, as BuildKit's exporter forces with attestations)
 * and whose `manifest.json` lists this machine's image for `docker load`.
 */
async function writeDockerTar(
  images: Images,
  index: Descriptor,
  parts: readonly PlatformPart[],
  names: readonly string[],
  dest: string,
  out: NodeJS.WritableStream | undefined,
): Promise<void> {
  if (parts.length > 1) {
    throw new WharfError(
      "invalid-argument",
      "docker exporter does not currently support exporting manifest lists",
      {
        hint: "use -o type=oci,dest=FILE, or build one --platform",
      },
    );
  }
  const store = images.content;
  const part = hostPart(parts);
  const { manifest } = await readManifest(store, part.result.manifest.digest);
  const tags = names.map((n) => withDefaultTag(parseReference(n)));
  const w = archiveWriter("docker");
  const sink = dest === "-" ? out : createWriteStream(dest);
  if (!sink) throw new WharfError("internal", "a docker output to stdout needs the build's outputStream");
  const written = pipeline(w.stream, sink, { end: dest !== "-" });
  const feed = (async () => {
    const read = async (d: Descriptor) => collect(await store.read(d.digest), 4 << 20);
    for await (const n of walkGraph([index], read, { foreign: "skip" })) {
      if (n.bytes) await w.document(n.descriptor, n.bytes);
      else await w.blob(n.descriptor, () => store.read(n.descriptor.digest));
    }
    const { os, architecture, variant } = part.result.config;
    await w.finish([
      {
        descriptor: { ...part.result.manifest },
        manifest,
        diffIds: part.result.config.rootfs.diff_ids,
        tags,
        platform: { os, architecture, ...(variant ? { variant } : {}) },
        top: index,
      },
    ]);
  })();
  feed.catch((e: unknown) => w.destroy(e));
  await Promise.all([feed, written]);
}

/**
 * `manifest inspect`: an image's manifest, or its manifest list, as the registry has it, printed as
 * the docker CLI prints it (its output compared with the docker CLI's in
 * `test/e2e/manifest-inspect.test.ts`): a manifest's own bytes indented with tabs; a list rebuilt
 * from its entries with three spaces (distribution's `manifestlist.FromDescriptors`); with
 * `-v`, Docker's `ImageManifest` (`Ref`, `Descriptor` with the platform, `Raw`, the manifest) for
 * the image or for each of the list's.
 */
import type { Digest } from "../../digest/index.js";
import { isWharfError, WharfError } from "../../errors/index.js";
import type { Descriptor, ImageConfig, Platform } from "../../oci/index.js";
import { MediaType } from "../../oci/index.js";
import { formatReference, parseReference, type Reference, withDefaultTag } from "../../reference/index.js";
import {
  type FetchedManifest,
  fetchBlob,
  fetchManifest,
  openRepository,
  type Repository,
} from "../../remote/index.js";
import { type Command, flag } from "../command.js";
import { transportOptions } from "./registry-options.js";

/** Go's field order for an OCI platform (`ocispec.Platform`). */
function platformJson(p: Platform | undefined): Record<string, unknown> | undefined {
  if (!p) return undefined;
  return {
    architecture: p.architecture,
    os: p.os,
    ...(p["os.version"] ? { "os.version": p["os.version"] } : {}),
    ...(p["os.features"]?.length ? { "os.features": p["os.features"] } : {}),
    ...(p.variant ? { variant: p.variant } : {}),
  };
}

/** A list's entry as distribution's `ManifestDescriptor` marshals it (mediaType, size, digest, ...). */
function listEntry(d: Descriptor): Record<string, unknown> {
  return {
    mediaType: d.mediaType,
    size: d.size,
    digest: d.digest,
    ...(d.urls?.length ? { urls: d.urls } : {}),
    ...(d.annotations && Object.keys(d.annotations).length ? { annotations: d.annotations } : {}),
    platform: platformJson(d.platform) ?? { architecture: "", os: "" },
  };
}

/** Docker's `types.ImageManifest` for one image manifest. */
function imageManifest(
  ref: string,
  m: FetchedManifest,
  platform: Platform | undefined,
): Record<string, unknown> {
  const descriptor = {
    mediaType: m.mediaType,
    digest: m.digest,
    size: m.size,
    ...(platform ? { platform: platformJson(platform) } : {}),
  };
  const body = JSON.parse(m.bytes.toString("utf8")) as unknown;
  const key = m.mediaType === MediaType.dockerManifest ? "SchemaV2Manifest" : "OCIManifest";
  return { Ref: ref, Descriptor: descriptor, Raw: m.bytes.toString("base64"), [key]: body };
}

/** An image's platform from its config, as the docker CLI reads it for `-v`. */
async function configPlatform(repo: Repository, m: FetchedManifest): Promise<Platform | undefined> {
  if (m.document.kind !== "manifest") return undefined;
  const chunks: Uint8Array[] = [];
  for await (const c of await fetchBlob(repo, m.document.manifest.config)) chunks.push(c);
  const config = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ImageConfig;
  return {
    architecture: config.architecture,
    os: config.os,
    ...(config.variant ? { variant: config.variant } : {}),
    ...(config["os.version"] ? { "os.version": config["os.version"] } : {}),
  };
}

async function fetchOrMissing(repo: Repository, ref: Reference, name: string): Promise<FetchedManifest> {
  try {
    return await fetchManifest(repo, ref.digest ?? (ref.tag as string));
  } catch (e) {
    if (isWharfError(e, "manifest-unknown") || isWharfError(e, "name-unknown")) {
      throw new WharfError("manifest-unknown", `no such manifest: ${name}`, {
        hint: "check the name and tag, and that you are logged in to the registry",
      });
    }
    throw e;
  }
}

export const command: Command = {
  path: ["manifest", "inspect"],
  usage: "[OPTIONS] [MANIFEST_LIST] MANIFEST",
  description: "Display an image manifest, or manifest list",
  flags: [
    { name: "insecure", type: "bool", description: "Allow communication with an insecure registry" },
    {
      name: "verbose",
      short: "v",
      type: "bool",
      description: "Output additional info including layers and platform",
    },
  ],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, f) {
    if (f.args.length === 2) {
      throw new WharfError(
        "unsupported",
        "wharf keeps no local manifest lists: there is no MANIFEST_LIST to look in",
        {
          hint: "inspect the manifest or the list in its registry: wharf manifest inspect NAME[:TAG]",
        },
      );
    }
    const ref = withDefaultTag(parseReference(f.args[0] as string));
    const name = formatReference(ref);
    const opts = transportOptions(ctx, f);
    if (flag.bool(f, "insecure")) opts.insecureRegistries = [...(opts.insecureRegistries ?? []), ref.domain];
    const repo = openRepository(ref, opts);
    const top = await fetchOrMissing(repo, ref, name);
    const verbose = flag.bool(f, "verbose");
    let out: unknown;
    if (top.document.kind === "manifest") {
      if (!verbose) {
        ctx.out(JSON.stringify(JSON.parse(top.bytes.toString("utf8")), null, "\t"));
        return 0;
      }
      out = imageManifest(name, top, await configPlatform(repo, top));
    } else {
      const entries = top.document.index.manifests;
      if (!verbose) {
        const oci = entries[0]?.mediaType === MediaType.ociManifest;
        const list = {
          schemaVersion: 2,
          mediaType: oci ? MediaType.ociIndex : MediaType.dockerManifestList,
          manifests: entries.map(listEntry),
        };
        ctx.out(JSON.stringify(list, null, "   "));
        return 0;
      }
      const images: unknown[] = [];
      for (const d of entries) {
        const child = await fetchManifest(repo, d.digest as Digest);
        images.push(imageManifest(`${name}@${d.digest}`, child, d.platform));
      }
      out = images;
    }
    ctx.out(JSON.stringify(out, null, "\t"));
    return 0;
  },
};

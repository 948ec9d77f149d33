/**
 * How `buildx imagetools create` reads its sources and makes the new index, as buildx does it
 * (pure: the registry work is the caller's): a source is a digest, a reference or an OCI
 * descriptor in JSON; an image's platform comes from its config when the descriptor has none; an
 * index's entries are merged in (one entry per digest); one source is kept as it is (an index, or
 * an image with `--prefer-index=false`); the result is a Docker manifest list when every entry is a
 * Docker type, else an OCI index, and carries `index:` and `manifest-descriptor:` annotations only
 * as an OCI index (buildx leaves them out of a Docker list).
 */
import { type Digest, digestOf, isDigest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { type Descriptor, MediaType, type Platform, parsePlatform } from "../../oci/index.js";
import { parseReference, type Reference } from "../../reference/index.js";
import { goMarshal, indexOrdered, platformText } from "./buildx-imagetools.js";

export interface Source {
  /** What the source named or gave; filled in from the registry once resolved. */
  desc: Partial<Descriptor> & { digest?: Digest };
  ref?: Reference;
}

const bad = (message: string) =>
  new WharfError("invalid-argument", message, {
    hint: "a source is a digest (sha256:...), a reference (name[:tag|@digest]) or an OCI descriptor in JSON",
  });

/** One source argument (or a `--file`'s content), as buildx's `parseSource` reads it. */
export function parseSource(input: string): Source {
  const wrap = (e: unknown) =>
    bad(
      `failed to parse source ${JSON.stringify(input)}, valid sources are digests, references and descriptors: ${(e as Error).message}`,
    );
  if (isDigest(input)) return { desc: { digest: input as Digest } };
  if (input.startsWith("sha256")) throw wrap(new Error("invalid checksum digest format"));
  try {
    return { desc: {}, ref: parseReference(input) };
  } catch (e) {
    if (!input.startsWith("{")) throw wrap(e);
  }
  try {
    return { desc: JSON.parse(input) as Source["desc"] };
  } catch (e) {
    throw wrap(e);
  }
}

export interface AnnotationKey {
  type: "" | "index" | "manifest" | "manifest-descriptor" | "index-descriptor";
  platform?: Platform;
  key: string;
}

/** `--annotation` values as buildx's `ParseAnnotations` reads them: `[type[platform],...:]key=value`. */
export function parseAnnotations(inputs: readonly string[]): { key: AnnotationKey; value: string }[] {
  const out: { key: AnnotationKey; value: string }[] = [];
  const fail = (m: string) => new WharfError("invalid-argument", `failed to parse annotations: ${m}`);
  for (const input of inputs) {
    if (input === "") continue;
    const eq = input.indexOf("=");
    if (eq < 0) throw fail(`invalid annotation ${JSON.stringify(input)}, expected key=value`);
    const k = input.slice(0, eq);
    const value = input.slice(eq + 1);
    const colon = k.indexOf(":");
    if (colon < 0) {
      out.push({ key: { type: "", key: k }, value });
      continue;
    }
    const key = k.slice(colon + 1);
    for (const tp of k.slice(0, colon).split(",")) {
      const m = /^([a-z-]+)(?:\[([A-Za-z0-9_/-]+)\])?$/.exec(tp);
      if (!m) {
        throw fail(
          `invalid annotation type ${JSON.stringify(tp)}, expected type and optional platform in square brackets`,
        );
      }
      const type = m[1] as string;
      if (!["index", "manifest", "manifest-descriptor", "index-descriptor"].includes(type))
        throw fail(`unknown annotation type ${JSON.stringify(type)}`);
      let platform: Platform | undefined;
      if (m[2]) {
        try {
          platform = parsePlatform(m[2]);
        } catch (e) {
          throw fail(`invalid platform ${JSON.stringify(m[2])}: ${(e as Error).message}`);
        }
      }
      out.push({
        key: { type: type as AnnotationKey["type"], ...(platform ? { platform } : {}), key },
        value,
      });
    }
  }
  return out;
}

/** A resolved source: its descriptor (platform filled in for an image) and its manifest's bytes. */
export interface Resolved {
  desc: Descriptor;
  bytes: Buffer;
}

const isIndex = (mt: string | undefined) => mt === MediaType.ociIndex || mt === MediaType.dockerManifestList;

/** The new image's bytes and descriptor (buildx's `Combine`). */
export function combine(
  srcs: readonly Resolved[],
  annotations: readonly { key: AnnotationKey; value: string }[],
  preferIndex: boolean,
): { bytes: Buffer; desc: Descriptor } {
  const only = srcs[0];
  if (srcs.length === 1 && annotations.length === 0 && only) {
    if (isIndex(only.desc.mediaType) || !preferIndex) return { bytes: only.bytes, desc: only.desc };
  }
  const at = new Map<string, number>();
  const descs: Descriptor[] = [];
  const add = (d: Descriptor) => {
    const i = at.get(d.digest);
    if (i === undefined) {
      at.set(d.digest, descs.length);
      descs.push({ ...d });
      return;
    }
    const old = descs[i] as Descriptor;
    if (!old.mediaType) old.mediaType = d.mediaType;
    if (d.platform) old.platform = d.platform;
    old.annotations = { ...(old.annotations ?? {}), ...(d.annotations ?? {}) };
  };
  for (const s of srcs) {
    if (isIndex(s.desc.mediaType)) {
      const index = JSON.parse(s.bytes.toString("utf8")) as { manifests?: Descriptor[] };
      for (const d of index.manifests ?? []) add(d);
    } else add(s.desc);
  }
  const docker = descs.every((d) => (d.mediaType ?? "").startsWith("application/vnd.docker."));
  const mediaType = docker ? MediaType.dockerManifestList : MediaType.ociIndex;
  const indexAnnotations: Record<string, string> = {};
  if (!docker) {
    for (const { key: k, value } of annotations) {
      if (k.type === "index") indexAnnotations[k.key] = value;
      else if (k.type === "manifest-descriptor") {
        for (const d of descs) {
          if (!k.platform || (d.platform && platformText(k.platform) === platformText(d.platform)))
            d.annotations = { ...(d.annotations ?? {}), [k.key]: value };
        }
      } else if (k.type === "manifest" || k.type === "") {
        throw new WharfError("unsupported", `${JSON.stringify(k.type)} annotations are not supported yet`, {
          hint: "give the type: index:KEY=VALUE or manifest-descriptor[PLATFORM]:KEY=VALUE",
        });
      } else {
        throw new WharfError(
          "invalid-argument",
          `${JSON.stringify(k.type)} annotations are invalid while creating an image`,
        );
      }
    }
  }
  const bytes = Buffer.from(goMarshal(indexOrdered(mediaType, descs, indexAnnotations), "  "));
  return { bytes, desc: { mediaType, digest: digestOf(bytes), size: bytes.byteLength } };
}

/** buildx's `mergeDesc`: what a descriptor source says over what the registry says. */
export function mergeDesc(fromRegistry: Descriptor, given: Source["desc"]): Descriptor {
  if (given.size && given.size !== fromRegistry.size) {
    throw new WharfError(
      "invalid-argument",
      `invalid size mismatch for ${fromRegistry.digest}, ${given.size} != ${fromRegistry.size}`,
    );
  }
  const out: Descriptor = { ...fromRegistry };
  if (given.mediaType) out.mediaType = given.mediaType;
  if (given.annotations && Object.keys(given.annotations).length > 0) out.annotations = given.annotations;
  if (given.platform) out.platform = given.platform;
  return out;
}

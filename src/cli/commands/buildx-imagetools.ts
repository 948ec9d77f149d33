/**
 * What `buildx imagetools inspect` and `create` share: Go's JSON as buildx marshals it (struct
 * field order, map keys sorted, `<`, `>` and `&` escaped), the OCI descriptor, index and image
 * config in image-spec's Go field order, and the text form's tab-writer layout (Go's
 * `tabwriter.NewWriter(out, 0, 0, 1, ' ', 0)`, flushed where buildx flushes).
 */
import type { Descriptor, ImageConfig, Platform } from "../../oci/index.js";
import { formatPlatform, normalizePlatform } from "../../oci/index.js";
import { goStruct, tabulate } from "../render/index.js";

/** Go's `json.MarshalIndent(v, "", indent)`: `toJSON` shapes, maps sorted by key, HTML characters escaped. */
export function goMarshal(v: unknown, indent = "  "): string {
  const text = JSON.stringify(
    v,
    (_k, x: unknown) => {
      if (x instanceof Map) {
        const keys = [...x.keys()].map(String).sort();
        return Object.fromEntries(keys.map((k) => [k, x.get(k)]));
      }
      return x;
    },
    indent,
  );
  return (text ?? "null")
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

/** A string map as Go marshals it: keys sorted; undefined when empty (omitempty). */
function sortedMap(m: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!m || Object.keys(m).length === 0) return undefined;
  return Object.fromEntries(
    Object.keys(m)
      .sort()
      .map((k) => [k, m[k] as string]),
  );
}

/** `ocispec.Platform` in Go's field order (architecture, os, os.version, os.features, variant). */
export function platformOrdered(p: Platform): Record<string, unknown> {
  return {
    architecture: p.architecture ?? "",
    os: p.os ?? "",
    ...(p["os.version"] ? { "os.version": p["os.version"] } : {}),
    ...(p["os.features"]?.length ? { "os.features": p["os.features"] } : {}),
    ...(p.variant ? { variant: p.variant } : {}),
  };
}

/** `ocispec.Descriptor` in Go's field order, empty optional fields left out. */
export function descriptorOrdered(d: Descriptor): Record<string, unknown> {
  const annotations = sortedMap(d.annotations);
  return {
    mediaType: d.mediaType ?? "",
    digest: d.digest,
    size: d.size ?? 0,
    ...(d.urls?.length ? { urls: d.urls } : {}),
    ...(annotations ? { annotations } : {}),
    ...(d.data ? { data: d.data } : {}),
    ...(d.platform ? { platform: platformOrdered(d.platform) } : {}),
    ...(d.artifactType ? { artifactType: d.artifactType } : {}),
  };
}

/** An OCI index (or Docker list) as buildx marshals the one it makes: `ocispec.Index`. */
export function indexOrdered(
  mediaType: string,
  manifests: readonly Descriptor[],
  annotations?: Record<string, string>,
): Record<string, unknown> {
  const ann = sortedMap(annotations);
  return {
    schemaVersion: 2,
    ...(mediaType ? { mediaType } : {}),
    manifests: manifests.map(descriptorOrdered),
    ...(ann ? { annotations: ann } : {}),
  };
}

/** A template value with Go's field names that marshals as `json` (its JSON tags) does. */
function struct<T extends object>(type: string, fields: T, json: () => unknown): T {
  Object.defineProperty(fields, "toJSON", { value: json, enumerable: false });
  return goStruct(type, fields);
}

/** A descriptor for templates: Go's field names (`.Digest`), image-spec's JSON. */
export function descriptorValue(d: Descriptor): Record<string, unknown> {
  return struct(
    "v1.Descriptor",
    {
      MediaType: d.mediaType ?? "",
      Digest: d.digest,
      Size: d.size ?? 0,
      URLs: d.urls ?? null,
      Annotations: d.annotations ? new Map(Object.entries(d.annotations)) : null,
      Data: d.data ?? null,
      Platform: d.platform ? platformValue(d.platform) : null,
      ArtifactType: d.artifactType ?? "",
    },
    () => descriptorOrdered(d),
  );
}

function platformValue(p: Platform): Record<string, unknown> {
  return struct(
    "v1.Platform",
    {
      Architecture: p.architecture ?? "",
      OS: p.os ?? "",
      OSVersion: p["os.version"] ?? "",
      OSFeatures: p["os.features"] ?? null,
      Variant: p.variant ?? "",
    },
    () => platformOrdered(p),
  );
}

/** An index for templates (buildx's anonymous struct: schemaVersion, mediaType, digest, size, manifests, annotations). */
export function indexValue(
  index: {
    schemaVersion?: number;
    mediaType?: string;
    manifests: Descriptor[];
    annotations?: Record<string, string>;
  },
  top: Pick<Descriptor, "digest" | "size">,
): Record<string, unknown> {
  return struct(
    "struct",
    {
      SchemaVersion: index.schemaVersion ?? 0,
      MediaType: index.mediaType ?? "",
      Digest: top.digest,
      Size: top.size,
      Manifests: index.manifests.map(descriptorValue),
      Annotations: index.annotations ? new Map(Object.entries(index.annotations)) : null,
    },
    () => {
      const ann = sortedMap(index.annotations);
      return {
        schemaVersion: index.schemaVersion ?? 0,
        ...(index.mediaType ? { mediaType: index.mediaType } : {}),
        digest: top.digest,
        size: top.size,
        manifests: index.manifests.map(descriptorOrdered),
        ...(ann ? { annotations: ann } : {}),
      };
    },
  );
}

/** A time as Go marshals a parsed `time.Time` (RFC 3339 with nanoseconds, trailing zeros cut). */
export function goTime(s: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i.exec(s);
  if (!m) return s;
  const frac = (m[2] ?? "").slice(0, 9).replace(/0+$/, "");
  const zone = m[3]?.toUpperCase() === "Z" || m[3] === "+00:00" ? "Z" : (m[3] as string);
  return `${m[1]}${frac ? `.${frac}` : ""}${zone}`;
}

type Config = ImageConfig & { author?: string; created?: string };

const list = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.length > 0 ? (v as string[]) : undefined;
const set = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === "object" && Object.keys(v).length > 0 ? (v as Record<string, unknown>) : undefined;

/** `ocispec.Image` as Go marshals it after reading a config (fields it does not know are dropped). */
export function imageOrdered(c: Config): Record<string, unknown> {
  const cc = (c.config ?? {}) as Record<string, unknown>;
  const labels = sortedMap(cc.Labels as Record<string, string> | undefined);
  const exposed = set(cc.ExposedPorts);
  const volumes = set(cc.Volumes);
  const config = {
    ...(cc.User ? { User: cc.User } : {}),
    ...(exposed
      ? {
          ExposedPorts: Object.fromEntries(
            Object.keys(exposed)
              .sort()
              .map((k) => [k, {}]),
          ),
        }
      : {}),
    ...(list(cc.Env) ? { Env: cc.Env } : {}),
    ...(list(cc.Entrypoint) ? { Entrypoint: cc.Entrypoint } : {}),
    ...(list(cc.Cmd) ? { Cmd: cc.Cmd } : {}),
    ...(volumes
      ? {
          Volumes: Object.fromEntries(
            Object.keys(volumes)
              .sort()
              .map((k) => [k, {}]),
          ),
        }
      : {}),
    ...(cc.WorkingDir ? { WorkingDir: cc.WorkingDir } : {}),
    ...(labels ? { Labels: labels } : {}),
    ...(cc.StopSignal ? { StopSignal: cc.StopSignal } : {}),
    ...(cc.ArgsEscaped ? { ArgsEscaped: true } : {}),
  };
  const history = (c.history ?? []).map((h) => ({
    ...(h.created ? { created: goTime(h.created) } : {}),
    ...(h.created_by ? { created_by: h.created_by } : {}),
    ...(h.author ? { author: h.author } : {}),
    ...(h.comment ? { comment: h.comment } : {}),
    ...(h.empty_layer ? { empty_layer: true } : {}),
  }));
  return {
    ...(c.created ? { created: goTime(c.created) } : {}),
    ...(c.author ? { author: c.author } : {}),
    ...platformOrdered({
      architecture: c.architecture,
      os: c.os,
      ...(c.variant ? { variant: c.variant } : {}),
      ...(c["os.version"] ? { "os.version": c["os.version"] } : {}),
      ...(c["os.features"] ? { "os.features": c["os.features"] } : {}),
    }),
    config,
    rootfs: { type: c.rootfs?.type ?? "", diff_ids: c.rootfs?.diff_ids ?? null },
    ...(history.length ? { history } : {}),
  };
}

/** An image config for templates: Go's field names (`.Architecture`, `.Config.Env`, `.RootFS.DiffIDs`). */
export function imageValue(c: Config): Record<string, unknown> {
  const json = imageOrdered(c);
  const cc = json.config as Record<string, unknown>;
  return struct(
    "v1.Image",
    {
      Created: c.created ?? null,
      Author: c.author ?? "",
      Architecture: c.architecture ?? "",
      OS: c.os ?? "",
      OSVersion: c["os.version"] ?? "",
      OSFeatures: c["os.features"] ?? null,
      Variant: c.variant ?? "",
      Config: goStruct("v1.ImageConfig", {
        User: cc.User ?? "",
        ExposedPorts: cc.ExposedPorts ? new Map(Object.entries(cc.ExposedPorts)) : null,
        Env: cc.Env ?? null,
        Entrypoint: cc.Entrypoint ?? null,
        Cmd: cc.Cmd ?? null,
        Volumes: cc.Volumes ? new Map(Object.entries(cc.Volumes)) : null,
        WorkingDir: cc.WorkingDir ?? "",
        Labels: cc.Labels ? new Map(Object.entries(cc.Labels as object)) : null,
        StopSignal: cc.StopSignal ?? "",
        ArgsEscaped: cc.ArgsEscaped === true,
      }),
      RootFS: goStruct("v1.RootFS", { Type: c.rootfs?.type ?? "", DiffIDs: c.rootfs?.diff_ids ?? null }),
      History: (c.history ?? []).map((h) =>
        goStruct("v1.History", {
          Created: h.created ?? null,
          CreatedBy: h.created_by ?? "",
          Author: h.author ?? "",
          Comment: h.comment ?? "",
          EmptyLayer: h.empty_layer === true,
        }),
      ),
    },
    () => json,
  );
}

/** containerd's `platforms.Format`, unnormalized (what buildx prints for an index entry). */
export function platformText(p: Platform): string {
  return p.os ? formatPlatform(p) : "unknown";
}

/** containerd's `platforms.Format(platforms.Normalize(p))`: the keys of `.Image` for an index. */
export function platformKey(p: Platform): string {
  return formatPlatform(normalizePlatform({ ...p, architecture: p.architecture ?? "", os: p.os ?? "" }));
}

/** Go's tab writer as buildx's printer configures it. */
const tab = (text: string): string => tabulate(text, { minWidth: 0, padding: 1 });

/**
 * The text form of `imagetools inspect`: Name, MediaType, Digest; for an index, `Manifests:` and
 * each entry (Name with the digest, MediaType, Platform, OSVersion, OSFeatures, URLs, Annotations
 * sorted by key) indented by two spaces, blank-line separated, aligned as buildx's writers align them.
 */
export function inspectText(
  name: string,
  top: Pick<Descriptor, "mediaType" | "digest">,
  entries: readonly Descriptor[] | undefined,
  entryName: (d: Descriptor) => string,
): string {
  let out = tab(`Name:\t${name}\nMediaType:\t${top.mediaType}\nDigest:\t${top.digest}\n`);
  if (!entries) return out;
  out += tab("\t\nManifests:\t\n");
  let block = "";
  entries.forEach((m, i) => {
    if (i !== 0) block += "\t\n";
    block += `  Name:\t${entryName(m)}\n  MediaType:\t${m.mediaType}\n`;
    const p = m.platform;
    if (!p) return;
    block += `  Platform:\t${platformText(p)}\n`;
    if (p["os.version"]) block += `  OSVersion:\t${p["os.version"]}\n`;
    if (p["os.features"]?.length) block += `  OSFeatures:\t${p["os.features"].join(", ")}\n`;
    if (m.urls?.length) block += `  URLs:\t${m.urls.join(", ")}\n`;
    const ann = sortedMap(m.annotations);
    if (ann) {
      block += "  Annotations:\t\n";
      out += tab(block);
      block = "";
      out += tab(
        Object.entries(ann)
          .map(([k, v]) => `    ${k}:\t${v}\n`)
          .join(""),
      );
    }
  });
  return out + tab(block);
}

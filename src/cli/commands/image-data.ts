/**
 * What the image verbs show, computed from the image store: list summaries, Docker's inspect shape
 * and history entries. Command handlers print these; nothing here writes.
 */
import type { Digest } from "../../digest/index.js";
import { readConfig, readManifest } from "../../images/documents.js";
import { ANNOTATION, entriesOf } from "../../images/entries.js";
import type { Images } from "../../images/images.js";
import { inspectConfig } from "../../images/inspect.js";
import { groupImages, type ImageGroup } from "../../images/resolve.js";
import type { HistoryEntry as ConfigHistory, ImageConfig, Manifest } from "../../oci/index.js";
import { familiarString } from "../../reference/index.js";
import type { HistoryEntry, ImageSummary } from "./image-contexts.js";

export interface ImageDetail {
  group: ImageGroup;
  manifest: Manifest;
  config: ImageConfig;
  raw: Record<string, unknown>;
  summary: ImageSummary;
}

function timeOf(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/** The image's size as stored: its config and layers (shared layers counted in each image). */
function sizeOf(m: Manifest): number {
  return m.config.size + m.layers.reduce((n, l) => n + l.size, 0);
}

export async function detailOf(images: Images, group: ImageGroup): Promise<ImageDetail> {
  const first = group.entries[0];
  if (!first) throw new Error(`image ${group.id} has no entry`);
  const { manifest } = await readManifest(images.content, first.manifest);
  const { config, raw } = await readConfig(images.content, manifest.config.digest);
  const created = timeOf(config.created);
  return {
    group,
    manifest,
    config,
    raw,
    summary: {
      id: group.id,
      repoTags: group.tags.map((e) => e.name as string),
      repoDigests: group.digests.map((e) => e.name as string),
      ...(created !== undefined ? { created } : {}),
      size: sizeOf(manifest),
    },
  };
}

/** Every image in the store, newest first (as Docker lists them). */
export async function listImages(images: Images): Promise<ImageDetail[]> {
  const groups = groupImages(entriesOf(await images.records.read()));
  const details = await Promise.all(groups.map((g) => detailOf(images, g)));
  return details.sort((a, b) => (b.summary.created ?? 0) - (a.summary.created ?? 0));
}

/** Docker's `image inspect` object. */
export function inspectObject(d: ImageDetail): Record<string, unknown> {
  const tagged = d.group.entries
    .map((e) => e.desc.annotations?.[ANNOTATION.tagged])
    .filter((t): t is string => t !== undefined)
    .sort()
    .at(-1);
  const str = (k: string) => (typeof d.raw[k] === "string" ? (d.raw[k] as string) : "");
  return {
    Id: d.group.id,
    RepoTags: d.group.tags.map((e) => (e.ref ? familiarString(e.ref) : (e.name as string))),
    RepoDigests: d.group.digests.map((e) => (e.ref ? familiarString(e.ref) : (e.name as string))),
    Parent: "",
    Comment: str("comment"),
    Created: d.config.created ?? "",
    DockerVersion: str("docker_version"),
    Author: d.config.author ?? "",
    Config: inspectConfig(d.config.config),
    Architecture: d.config.architecture,
    ...(d.config.variant ? { Variant: d.config.variant } : {}),
    Os: d.config.os,
    Size: d.summary.size,
    RootFS: { Type: "layers", Layers: d.config.rootfs.diff_ids },
    Metadata: { LastTagTime: tagged ?? "0001-01-01T00:00:00Z" },
  };
}

/**
 * The image's history, newest first: one entry per config history item, the layer sizes matched
 * to the items that made a layer; the newest carries the image ID and the others `<missing>`
 * (as Docker shows pulled images, whose parents it does not know).
 */
export function historyOf(d: ImageDetail): HistoryEntry[] {
  const layers = d.manifest.layers;
  const items: ConfigHistory[] = d.config.history?.length
    ? d.config.history
    : layers.map(() => ({ ...(d.config.created ? { created: d.config.created } : {}), created_by: "" }));
  let li = 0;
  const out: HistoryEntry[] = items.map((h) => {
    const size = h.empty_layer ? 0 : (layers[li++]?.size ?? 0);
    const created = timeOf(h.created);
    return {
      id: "<missing>",
      ...(created !== undefined ? { created } : {}),
      createdBy: h.created_by ?? "",
      size,
      comment: h.comment ?? "",
    };
  });
  out.reverse();
  if (out[0]) out[0].id = d.group.id as Digest;
  return out;
}

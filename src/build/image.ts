import type { Digest } from "../digest/index.js";
import { createImage, type Images } from "../images/index.js";
import type { Descriptor, HistoryEntry, ImageConfig } from "../oci/index.js";
import { rfc3339 } from "./time.js";
import type { StageState, StateLayer } from "./types.js";

/** The final config: `--label`s added, `created` the epoch or the last history time (cached builds keep their ID). */
export function finalConfig(
  state: StageState,
  labels: Record<string, string> | undefined,
  epoch: Date | undefined,
  now: Date,
): ImageConfig {
  const c = { ...(state.config.config ?? {}) };
  if (labels && Object.keys(labels).length > 0) c.Labels = { ...(c.Labels ?? {}), ...labels };
  const history = timed(state.config.history ?? [], rfc3339(now));
  const created = epoch
    ? rfc3339(epoch)
    : (history[history.length - 1]?.created ?? state.time ?? rfc3339(now));
  const { created: _c, config: _k, rootfs: _r, history: _h, ...rest } = state.config;
  return {
    ...rest,
    created,
    config: c,
    rootfs: { type: "layers", diff_ids: state.layers.map((l) => l.diffId) },
    history,
  };
}

/**
 * History entries made before their stage's first layer (no time yet: meta.ts's addHistory) take
 * the next entry's time that has one, else the last one before them, else `now` (a stage without
 * layers).
 */
function timed(history: readonly HistoryEntry[], now: string): HistoryEntry[] {
  if (history.every((h) => h.created !== undefined)) return [...history];
  const out = history.map((h) => ({ ...h }));
  let next: string | undefined;
  for (let i = out.length - 1; i >= 0; i--) {
    const h = out[i] as HistoryEntry;
    if (h.created !== undefined) next = h.created;
    else if (next !== undefined) h.created = next;
  }
  let prev = now;
  for (const h of out) {
    if (h.created === undefined) h.created = prev;
    else prev = h.created;
  }
  return out;
}

export interface StoredImage {
  id: Digest;
  config: ImageConfig;
  manifest: Descriptor;
}

/**
 * Stores the image (the images module's `createImage`: config, manifest, names recorded once all
 * content is there) in OCI media types, as `docker build` writes them to Docker's containerd
 * image store, and BuildKit's oci exporter; Docker-typed manifests would also be invisible to
 * skopeo and podman reading the store as an OCI layout. No tag: a `<none>` image.
 */
export async function storeImage(
  images: Images,
  config: ImageConfig,
  layers: readonly StateLayer[],
  tags: readonly string[],
  annotations?: Record<string, string>,
): Promise<StoredImage> {
  const made = await createImage(images, {
    config,
    layers,
    format: "oci",
    names: tags,
    ...(annotations ? { annotations } : {}),
  });
  return { id: made.id, config, manifest: made.manifest };
}

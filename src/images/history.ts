import type { Images } from "./images.js";
import { platformView } from "./platform-view.js";
import { resolveImage } from "./resolve.js";
import { loadDocs, repoNames, storedSize, type ViewOptions } from "./view.js";

/** One row of `docker history` (the Engine API's `HistoryResponseItem`). */
export interface HistoryRow {
  /** The image ID on the top row, `<missing>` below it (no intermediate images are kept). */
  Id: string;
  /** Unix seconds; 0 when the config does not say. */
  Created: number;
  CreatedBy: string;
  /** The image's tags on the top row. */
  Tags: string[] | null;
  /** The size of the layer the step made (as `layerSize` counts it); 0 for steps without a layer. */
  Size: number;
  Comment: string;
}

function seconds(iso: string | undefined): number {
  const t = iso === undefined ? Number.NaN : Date.parse(iso);
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

/**
 * `docker history`: the config's history, newest first, each step that made a layer matched with
 * the next layer of the manifest in order (`empty_layer` steps made none). Without a history, one
 * row per layer.
 */
export async function imageHistory(
  images: Images,
  input: string,
  opts: ViewOptions = {},
): Promise<HistoryRow[]> {
  const found = await resolveImage(images, input);
  const { image: g } = opts.platform
    ? await platformView(images.content, found, opts.platform, input)
    : found;
  const { manifest, config } = await loadDocs(images.content, g);
  const layers = manifest.layers;
  const sizeOf = opts.layerSize ?? storedSize;
  const sizes = await Promise.all(layers.map((l) => sizeOf(l)));
  const steps = config.history?.length
    ? config.history
    : layers.map(() => ({ created: config.created, created_by: "", comment: "" }));
  let next = 0;
  const rows = steps.map((h) => {
    const empty = "empty_layer" in h && h.empty_layer === true;
    const size = empty ? 0 : (sizes[next++] ?? 0);
    return {
      Id: "<missing>",
      Created: seconds(h.created),
      CreatedBy: h.created_by ?? "",
      Tags: null as string[] | null,
      Size: size,
      Comment: h.comment ?? "",
    };
  });
  rows.reverse();
  const top = rows[0];
  if (top) {
    top.Id = g.id;
    const { repoTags } = repoNames(g);
    top.Tags = repoTags.length ? repoTags : null;
  }
  return rows;
}

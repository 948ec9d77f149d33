/**
 * Docker's container sizes (`ps -s`, `inspect -s`): `SizeRw`, the bytes of the files the container
 * wrote, and `SizeRootFs`, its whole tree's, i.e. its image's size plus what it wrote.
 */
import { listImages, openImages } from "../../images/index.js";
import { type ContainerRecord, containerRwBytes } from "../../runtime/index.js";
import { layerSizes } from "./layer-sizes.js";

export interface ContainerSize {
  rw: number;
  rootFs: number;
}

/** Each container's sizes, by ID (its image's size counted as `images` shows it). */
export async function containerSizes(
  root: string,
  recs: readonly ContainerRecord[],
): Promise<Map<string, ContainerSize>> {
  const images = await openImages(root);
  const imageBytes = new Map<string, number>();
  try {
    const sizes = layerSizes(root, images.content);
    for (const i of await listImages(images, { layerSize: sizes.size })) imageBytes.set(i.id, i.size);
    sizes.save();
  } finally {
    await images.close();
  }
  const out = new Map<string, ContainerSize>();
  for (const r of recs) {
    const rw = await containerRwBytes(r);
    out.set(r.id, { rw, rootFs: rw + (imageBytes.get(r.imageId) ?? 0) });
  }
  return out;
}

/** The inspect object with Docker's `SizeRw` and `SizeRootFs` after `GraphDriver`. */
export function withSizes(obj: Record<string, unknown>, size: ContainerSize): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    out[k] = v;
    if (k === "GraphDriver") {
      out.SizeRw = size.rw;
      out.SizeRootFs = size.rootFs;
    }
  }
  return out;
}

import type { Bytes } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import type { ContainerConfig, ImageConfig, Platform } from "../oci/index.js";
import { hostPlatform } from "../oci/index.js";
import { type CreatedImage, createImage, storeLayerTar } from "./create.js";
import type { Images } from "./images.js";

export interface ImportOptions {
  /** The root filesystem as an uncompressed tar (decompress first: archive's `decompressAny`). */
  tar: Bytes;
  /** References for the image; none makes a dangling image. */
  names?: readonly string[];
  /** The history comment; Docker's default is `Imported from <source>` (`-` for a file or stdin). */
  message?: string;
  /** Default: this machine's. */
  platform?: Platform;
  /** The image's `config` (Docker's `-c` changes applied to an empty one); default `{}`. */
  config?: ContainerConfig;
  /** The creation time; default now. */
  now?: Date;
}

/** RFC 3339 with nanoseconds as Go writes them, from a Date (milliseconds). */
export function goTime(d: Date): string {
  return d
    .toISOString()
    .replace(/\.(\d{3})Z$/, (_m, ms: string) => (ms === "000" ? "Z" : `.${ms.replace(/0+$/, "")}Z`));
}

/**
 * `docker import`: one layer from a root filesystem tar, stored gzip-compressed with the diff ID of
 * the tar (hashed while it streams), and a config as Docker's image service writes one: the
 * platform, `created`, the `-c` config, `rootfs`, and one history entry with the comment and no
 * `created_by`; an OCI manifest and config, as Docker's containerd image store writes them (and
 * other tools read from wharf's OCI layout). Returns the new image's ID.
 */
export async function importImage(images: Images, o: ImportOptions): Promise<CreatedImage> {
  const layer = await storeLayerTar(images.content, o.tar);
  if (layer === undefined) throw new WharfError("internal", "the imported layer was not stored");
  const platform = o.platform ?? hostPlatform();
  const created = goTime(o.now ?? new Date());
  const config: ImageConfig = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    created,
    config: o.config ?? {},
    rootfs: { type: "layers", diff_ids: [layer.diffId] },
    history: [{ created, ...(o.message ? { comment: o.message } : {}) }],
  };
  return createImage(images, { config, layers: [layer], format: "oci", names: o.names ?? [] });
}

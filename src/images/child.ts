import type { Digest } from "../digest/index.js";
import type { ContainerConfig, ImageConfig } from "../oci/index.js";
import { goTime } from "./import.js";

export interface ChildOptions {
  /** The config of the new image (`Config`): the container's, with the `-c` changes applied. */
  config: ContainerConfig;
  /** The container's command as Docker records it (`Config.Cmd`), joined for `created_by`. */
  cmd: readonly string[];
  /** The new layer's diff ID; undefined when the container changed nothing (an empty layer). */
  diffId: Digest | undefined;
  /** `-a`; default: the base image's author. */
  author?: string;
  /** `-m`. */
  comment?: string;
  now?: Date;
}

/**
 * The config of an image committed from a container of `base` (Docker's `generateCommitImageConfig`):
 * the base's platform (architecture and OS), `author` (`-a`, else the base's), `created` now, the
 * base's diff IDs plus the new layer's, the base's history plus one entry (`created_by` the
 * container's Cmd joined by spaces, author, comment, `empty_layer` when nothing changed), and the
 * given container config.
 */
export function childImageConfig(base: ImageConfig, o: ChildOptions): ImageConfig {
  const created = goTime(o.now ?? new Date());
  const author = o.author || base.author || "";
  const diffIds = [...base.rootfs.diff_ids, ...(o.diffId ? [o.diffId] : [])];
  return {
    architecture: base.architecture,
    os: base.os,
    created,
    ...(author ? { author } : {}),
    config: o.config,
    rootfs: { type: "layers", diff_ids: diffIds },
    history: [
      ...(base.history ?? []),
      {
        created,
        ...(o.cmd.length > 0 ? { created_by: o.cmd.join(" ") } : {}),
        ...(author ? { author } : {}),
        ...(o.comment ? { comment: o.comment } : {}),
        ...(o.diffId ? {} : { empty_layer: true }),
      },
    ],
  };
}

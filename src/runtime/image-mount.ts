/**
 * A start's spec mount for `--mount type=image` (rootfs/image-mount.ts makes it from what create
 * resolved): loaded by `prepareBundle` only for a container that has an image mount.
 */
import { join } from "node:path";
import type { Digest } from "../digest/index.js";
import { WharfError } from "../errors/index.js";
import { imageSpecMount } from "../rootfs/image-mount.js";
import type { ResolvedMount } from "./spec.js";
import type { MountSpec, RuntimeContext } from "./types.js";

export function resolveImageMount(ctx: RuntimeContext, m: MountSpec): ResolvedMount {
  if (!m.image) {
    throw new WharfError("internal", `the image mount at ${m.destination} was not resolved at create`);
  }
  const s = imageSpecMount(
    join(ctx.root, "snapshots"),
    m.image.lowers as Digest[],
    m.image.subpath,
    m.destination,
  );
  return s.type === "bind"
    ? { type: "bind", source: s.source, destination: m.destination, readOnly: true }
    : { type: "overlay", source: s.source, destination: m.destination, readOnly: true, options: s.options };
}

import {
  type ContainerRecord,
  createContainer,
  type RunOptions,
  type RuntimeContext,
  trace,
} from "../../runtime/index.js";
import { flag } from "../command.js";
import type { Context } from "../context.js";
import type { ParsedFlags } from "../flags.js";
import { imageForRun } from "./container-image.js";

/**
 * What `run` and `create` share: the image resolved (pulled when `--pull` says so, with Docker's
 * `Unable to find image` line), then the container made from it with the parsed options.
 */
export async function createFromFlags(
  ctx: Context,
  rt: RuntimeContext,
  f: ParsedFlags,
  input: string,
  options: RunOptions,
): Promise<ContainerRecord> {
  const image = await imageForRun(ctx, f, input, flag.string(f, "pull"));
  trace("run: image resolved");
  try {
    const name = flag.string(f, "name");
    const rec = await createContainer(rt, {
      ...options,
      ...(name !== undefined ? { name } : {}),
      image: input,
      imageId: image.id,
      imageConfig: image.config.config,
      rootfs: image.rootfs,
    });
    trace("run: created");
    return rec;
  } finally {
    await image.close();
  }
}

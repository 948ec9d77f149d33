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
import { imageForRun, type RunImage } from "./container-image.js";

/**
 * What `run` and `create` share: the image resolved (pulled when `--pull` says so, with Docker's
 * `Unable to find image` line), then the container made from it with the parsed options.
 */
export async function createFromFlags(
  ctx: Context,
  rt: RuntimeContext,
  f: ParsedFlags,
  input: string,
  options: RunOptions & { linksRunning?: boolean },
): Promise<ContainerRecord> {
  // `--cidfile`: made before anything else, removed again when no container is made (cidfile.ts).
  const cid = options.cidFile ? (await import("./cidfile.js")).claimCidFile(options.cidFile) : undefined;
  let image: RunImage;
  try {
    image = await imageForRun(ctx, f, input, flag.string(f, "pull"));
  } catch (e) {
    cid?.close();
    throw e;
  }
  trace("run: image resolved");
  try {
    const name = flag.string(f, "name");
    // As the docker CLI sends ConsoleSize for -t: the caller's terminal, when it has one.
    const out = options.tty ? (ctx.stdout as NodeJS.WriteStream) : undefined;
    // `--mount type=image`: the mounted images resolved and unpacked (image-mounts.ts, loaded only then).
    const mounts = options.mounts?.some((m) => m.type === "image")
      ? await (await import("./image-mounts.js")).resolveImageMounts(ctx.root, options.mounts)
      : options.mounts;
    const consoleSize: [number, number] | undefined =
      out?.isTTY && out.rows > 0 && out.columns > 0 ? [out.rows, out.columns] : undefined;
    const rec = await createContainer(rt, {
      ...options,
      ...(mounts ? { mounts } : {}),
      ...(consoleSize ? { consoleSize } : {}),
      ...(name !== undefined ? { name } : {}),
      image: input,
      imageId: image.id,
      imageConfig: image.config.config,
      rootfs: image.rootfs,
    });
    trace("run: created");
    cid?.write(rec.id);
    return rec;
  } finally {
    cid?.close();
    await image.close();
  }
}

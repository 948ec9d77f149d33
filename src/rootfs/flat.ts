import { lstat, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Digest } from "../digest/index.js";
import { errnoCode } from "../errors/index.js";
import { withLock } from "../files/index.js";
import type { Descriptor } from "../oci/index.js";
import { checkLayerCount, knownChainIds } from "./chain.js";
import { syncFs, tempDir, type UnpackOptions } from "./unpack.js";

async function complete(dir: string): Promise<boolean> {
  try {
    await lstat(join(dir, "layer.json"));
    return true;
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return false;
    throw e;
  }
}

/**
 * The copy mode's source, for hosts without overlayfs: every layer applied in order into one tree,
 * flat/<top chain hex>/fs, made once per image top and copied for each container. Whiteouts are
 * applied as removals, so the tree holds no whiteout devices. Returns the top chain ID.
 */
export async function ensureFlat(opts: UnpackOptions): Promise<Digest | undefined> {
  checkLayerCount(opts.layers.length, opts.diffIds.length);
  const { layout } = opts;
  const chain = knownChainIds(layout, opts.diffIds);
  const top = chain[chain.length - 1];
  if (top === undefined) return undefined;
  if (await complete(layout.flat(top))) return top;
  await mkdir(join(layout.root, "flat"), { recursive: true });
  await withLock(layout.flatLock(top), async () => {
    if (await complete(layout.flat(top))) return;
    const t = await tempDir(layout);
    try {
      await mkdir(join(t, "fs"));
      for (let i = 0; i < chain.length; i++) {
        const desc = opts.layers[i] as Descriptor;
        // Loaded here: starting a container from unpacked layers needs no tar code.
        const { applyLayer } = await import("../archive/index.js");
        await applyLayer(await opts.store.read(desc.digest), {
          target: join(t, "fs"),
          expect: { digest: desc.digest, size: desc.size, diffId: opts.diffIds[i] as Digest },
          onWarning: opts.onWarning,
        });
        opts.onUnpacked?.(chain[i] as Digest);
      }
      await writeFile(join(t, "layer.json"), `${JSON.stringify({ chainId: top, layers: chain.length })}\n`);
      await syncFs(t);
      await rm(layout.flat(top), { recursive: true, force: true });
      await rename(t, layout.flat(top));
    } catch (e) {
      await rm(t, { recursive: true, force: true });
      throw e;
    }
  });
  return top;
}

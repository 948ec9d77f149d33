import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Digest } from "../../digest/index.js";
import { isWharfError, WharfError } from "../../errors/index.js";
import { type ImageInspect, type Images, inspectImage, openImages } from "../../images/index.js";
import type { Platform } from "../../oci/index.js";
import { chainIds, snapshotLayout } from "../../rootfs/index.js";
import { getContainer, inspectContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import { executeTemplate, parseGoTemplate } from "../render/index.js";
import { runtimeContext } from "./container-common.js";
import { inspectContainers } from "./container-inspect.js";
import { containerSizes, withSizes } from "./container-sizes.js";
import { type LayerSizes, layerSizes } from "./layer-sizes.js";

/** JSON as Docker's inspect prints it: 4-space indent, no HTML escaping, U+2028/9 escaped like Go. */
function indentJson(v: unknown): string {
  return JSON.stringify(v, null, 4)
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** `GraphDriver` of an image's inspect: where wharf keeps its layers unpacked, in Docker's shape. */
export interface GraphDriver {
  Data: Record<string, string> | null;
  Name: string;
}

/**
 * Docker's `GraphDriver` for an image (overlay2's, as Docker 25+ shows it), with wharf's snapshot
 * dirs: `UpperDir` the top layer's tree, `LowerDir` the layers below it (top first, `:` between),
 * `MergedDir` and `WorkDir` beside the top layer (as overlay2's, they exist only while mounted).
 * An image whose layers are not all unpacked (pulled, never run) has `Data: null`, as Docker shows
 * an image no graph driver holds; one unpacked only as a copy (no overlay here) is `vfs`, `null`.
 */
export function imageGraphDriver(root: string, diffIds: readonly Digest[]): GraphDriver {
  const layout = snapshotLayout(join(root, "snapshots"));
  const chains = diffIds.length > 0 ? chainIds(diffIds) : [];
  const top = chains.at(-1);
  if (top === undefined) return { Data: null, Name: "overlay2" };
  if (chains.every((c) => existsSync(join(layout.layer(c), "layer.json")))) {
    const lower = chains.slice(0, -1).reverse();
    return {
      Data: {
        ...(lower.length > 0 ? { LowerDir: lower.map((c) => layout.layerFs(c)).join(":") } : {}),
        MergedDir: join(layout.layer(top), "merged"),
        UpperDir: layout.layerFs(top),
        WorkDir: join(layout.layer(top), "work"),
      },
      Name: "overlay2",
    };
  }
  if (existsSync(join(layout.flat(top), "fs"))) return { Data: null, Name: "vfs" };
  return { Data: null, Name: "overlay2" };
}

/** The image's inspect object, with `GraphDriver` after `Size` as in Docker's. */
function withGraphDriver(root: string, v: ImageInspect): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(v)) {
    out[k] = value;
    if (k === "Size") out.GraphDriver = imageGraphDriver(root, v.RootFS.Layers as Digest[]);
  }
  return out;
}

/** The image's inspect object, or undefined when no image has that name or ID. */
async function imageObject(
  root: string,
  images: Images,
  sizes: LayerSizes,
  name: string,
  platform?: Platform,
): Promise<Record<string, unknown> | undefined> {
  try {
    return withGraphDriver(
      root,
      await inspectImage(images, name, { layerSize: sizes.size, ...(platform ? { platform } : {}) }),
    );
  } catch (e) {
    if (isWharfError(e, "image-not-found")) return undefined;
    throw e;
  }
}

/**
 * Prints containers and images as Docker's `inspect` does: with `type` undefined each name is looked
 * up as a container first, then as an image; names not found are reported on stderr. Returns the
 * exit status.
 */
export async function inspectObjects(
  ctx: Context,
  names: string[],
  type: "container" | "image" | undefined,
  format?: string,
  size = false,
  platform?: Platform,
): Promise<number> {
  if (type === "container") return inspectContainers(ctx, names, format, size);
  const template = format ? parseGoTemplate(format === "json" ? "{{json .}}" : format) : undefined;
  const images = await openImages(ctx.root);
  const sizes = layerSizes(ctx.root, images.content);
  const rt = runtimeContext(ctx);
  const found: Record<string, unknown>[] = [];
  const missing: string[] = [];
  try {
    for (const name of names) {
      let obj: Record<string, unknown> | undefined;
      if (type === undefined) {
        try {
          const rec = await getContainer(rt, name);
          obj = inspectContainer(rt, rec);
          const measured = size ? (await containerSizes(ctx.root, [rec])).get(rec.id) : undefined;
          if (measured) obj = withSizes(obj, measured);
        } catch (e) {
          if (!isWharfError(e, "container-not-found")) throw e;
        }
      }
      obj ??= await imageObject(ctx.root, images, sizes, name, platform);
      if (obj) found.push(obj);
      else missing.push(name);
    }
    sizes.save();
  } finally {
    await images.close();
  }
  if (template) for (const o of found) ctx.out(executeTemplate(template, o));
  else ctx.out(indentJson(found));
  for (const name of missing) ctx.err(`Error: No such ${type ?? "object"}: ${name}`);
  return missing.length > 0 ? 1 : 0;
}

export const command: Command = {
  path: ["inspect"],
  usage: "[OPTIONS] NAME|ID [NAME|ID...]",
  description: "Return low-level information on containers or images",
  flags: [
    { name: "format", short: "f", type: "string", description: "Format output using a custom template" },
    {
      name: "size",
      short: "s",
      type: "bool",
      description: "Display total file sizes if the type is container",
    },
    { name: "type", type: "string", description: "Return JSON for specified type (container or image)" },
  ],
  minArgs: 1,
  async run(ctx, f) {
    const type = flag.string(f, "type");
    if (type !== undefined && type !== "container" && type !== "image") {
      const docker = [
        "config",
        "container",
        "image",
        "network",
        "node",
        "plugin",
        "secret",
        "service",
        "task",
        "volume",
      ];
      // The docker CLI's words for a type it does not know; wharf's inspect reads two of them.
      const message = docker.includes(type)
        ? `--type ${type} is not supported by wharf inspect`
        : `unknown type: "${type}": must be one of ${docker.map((t) => `"${t}"`).join(", ")}`;
      throw new WharfError("invalid-argument", message, {
        hint: `use --type container or --type image${type === "network" || type === "volume" ? `, or wharf ${type} inspect` : ""}`,
      });
    }
    return inspectObjects(ctx, f.args, type, flag.string(f, "format"), flag.bool(f, "size"));
  },
};

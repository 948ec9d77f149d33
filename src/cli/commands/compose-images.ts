import { listImages, openImages } from "../../images/index.js";
import type { ContainerRecord } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { humanSizeWithPrecision, tabulate } from "../render/index.js";
import { COMPOSE_FLAGS, projectContainers, projectNameOf } from "./compose-common.js";
import { runtimeContext } from "./container-common.js";
import { layerSizes } from "./layer-sizes.js";

/** One row of `compose images` (the fields of Compose's JSON, in its order). */
export interface ImageRow {
  ID: string;
  ContainerName: string;
  Repository: string;
  Tag: string;
  Size: number;
}

/** `localhost:5000/app:1`: its repository and tag; a digest reference has no tag, none means `latest`. */
export function splitRepoTag(ref: string): { repository: string; tag: string } {
  const at = ref.indexOf("@");
  if (at >= 0) return { repository: ref.slice(0, at), tag: "" };
  const colon = ref.lastIndexOf(":");
  if (colon > ref.lastIndexOf("/")) return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repository: ref, tag: "latest" };
}

/** The rows: each container's image as it named it, its ID and size (0 when no longer stored). */
export function imageRows(
  containers: readonly ContainerRecord[],
  sizeOf: (id: string) => number | undefined,
): ImageRow[] {
  return [...containers]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c) => {
      const { repository, tag } = splitRepoTag(c.image);
      return {
        ID: c.imageId,
        ContainerName: c.name,
        Repository: repository,
        Tag: tag,
        Size: sizeOf(c.imageId) ?? 0,
      };
    });
}

/** Compose's table: CONTAINER REPOSITORY TAG IMAGE ID SIZE (its tabwriter: 20 wide, 3 apart). */
export function imagesTable(rows: readonly ImageRow[]): string {
  const lines = ["CONTAINER\tREPOSITORY\tTAG\tIMAGE ID\tSIZE"];
  for (const r of rows) {
    const id = r.ID.replace(/^sha256:/, "").slice(0, 12);
    const size = humanSizeWithPrecision(r.Size, 3);
    lines.push([r.ContainerName, r.Repository || "<none>", r.Tag || "<none>", id, size].join("\t"));
  }
  return tabulate(`${lines.join("\n")}\n`, { minWidth: 20, padding: 3 });
}

/** `-q`: each image ID once, without its algorithm, as Compose prints them. */
export function quietIds(rows: readonly ImageRow[]): string[] {
  return [...new Set(rows.map((r) => r.ID.replace(/^sha256:/, "")))];
}

export const command: Command = {
  path: ["compose", "images"],
  usage: "[OPTIONS] [SERVICE...]",
  description: "List images used by the created containers",
  flags: [
    ...COMPOSE_FLAGS,
    {
      name: "format",
      type: "string",
      default: "table",
      description: "Format the output. Values: [table | json]",
    },
    { name: "quiet", short: "q", type: "bool", description: "Only display IDs" },
  ],
  async run(ctx, f) {
    const { name } = projectNameOf(ctx, f);
    const containers = await projectContainers(runtimeContext(ctx), name, { services: f.args });
    const images = await openImages(ctx.root);
    const sizes = layerSizes(ctx.root, images.content);
    const byId = new Map(
      (await listImages(images, { layerSize: sizes.size })).map((i) => [i.id as string, i.size]),
    );
    sizes.save();
    const rows = imageRows(containers, (id) => byId.get(id));
    if (flag.bool(f, "quiet")) {
      for (const id of quietIds(rows)) ctx.out(id);
      return 0;
    }
    if ((flag.string(f, "format") ?? "table") === "json") ctx.out(JSON.stringify(rows));
    else ctx.stdout.write(imagesTable(rows));
    return 0;
  },
};

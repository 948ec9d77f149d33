import type { Digest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import {
  filterImages,
  type ImageFilters,
  type Images,
  imageTree,
  listImages,
  openImages,
  resolveImage,
} from "../../images/index.js";
import { listContainers } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import type { ParsedFlags } from "../flags.js";
import { badFilterFormat } from "../parse/filter-format.js";
import { renderFormat } from "../render/index.js";
import { FILTER_FLAG, FORMAT_FLAG } from "./common-flags.js";
import { runtimeContext } from "./container-common.js";
import {
  IMAGE_HEADERS,
  IMAGE_TABLE,
  IMAGE_TABLE_DIGESTS,
  imageRows,
  QUIET_FORMAT,
} from "./image-contexts.js";
import { renderTree } from "./images-tree.js";
import { layerSizes } from "./layer-sizes.js";

const FILTER_HINT =
  "filters: dangling=true|false, reference=PATTERN, before=IMAGE, since=IMAGE, label=KEY[=VALUE]";

/** `--filter` values (and the `REPOSITORY[:TAG]` argument, a `reference` filter) as the images module takes them. */
async function parseFilters(images: Images, specs: string[]): Promise<ImageFilters> {
  const out: ImageFilters = {};
  const reference: string[] = [];
  const label: string[] = [];
  const before: Digest[] = [];
  const since: Digest[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq === -1) throw badFilterFormat(spec);
    const key = spec.slice(0, eq);
    const value = spec.slice(eq + 1);
    switch (key) {
      case "dangling":
        if (!["true", "false", "1", "0"].includes(value)) {
          throw new WharfError("invalid-argument", `invalid filter 'dangling=${value}'`);
        }
        out.dangling = value === "true" || value === "1";
        break;
      case "reference":
        reference.push(value);
        break;
      case "label":
        label.push(value);
        break;
      case "before":
        before.push((await resolveImage(images, value)).image.id);
        break;
      case "since":
        since.push((await resolveImage(images, value)).image.id);
        break;
      default:
        throw new WharfError("invalid-argument", `invalid filter '${key}'`, { hint: FILTER_HINT });
    }
  }
  return { ...out, reference, label, before, since };
}

/** The flags Docker's CLI refuses beside `--tree`, in its order and words. */
function refuseWithTree(f: ParsedFlags): void {
  const refuse = (what: string) => {
    throw new WharfError("invalid-argument", `${what} is not yet supported with --tree`, {
      hint: "leave it out, or list images without --tree",
    });
  };
  if (flag.bool(f, "quiet")) refuse("--quiet");
  if (flag.bool(f, "no-trunc")) refuse("--no-trunc");
  if (flag.bool(f, "digests")) refuse("--show-digest");
  if ((flag.string(f, "format") ?? "") !== "") refuse("--format");
}

export const command: Command = {
  path: ["images"],
  aliases: [
    ["image", "ls"],
    ["image", "list"],
  ],
  usage: "[OPTIONS] [REPOSITORY[:TAG]]",
  description: "List images",
  flags: [
    {
      name: "all",
      short: "a",
      type: "bool",
      description: "Show all images (default hides intermediate images)",
    },
    { name: "digests", type: "bool", description: "Show digests" },
    FILTER_FLAG,
    FORMAT_FLAG,
    { name: "no-trunc", type: "bool", description: "Don't truncate output" },
    { name: "quiet", short: "q", type: "bool", description: "Only show image IDs" },
    { name: "tree", type: "bool", description: "List multi-platform images as a tree (EXPERIMENTAL)" },
  ],
  maxArgs: 1,
  async run(ctx, f) {
    if (flag.bool(f, "tree")) refuseWithTree(f);
    const images = await openImages(ctx.root);
    try {
      const filters = await parseFilters(images, [
        ...flag.strings(f, "filter"),
        ...(f.args[0] ? [`reference=${f.args[0]}`] : []),
      ]);
      const sizes = layerSizes(ctx.root, images.content);
      const all = await listImages(images, { layerSize: sizes.size });
      if (flag.bool(f, "tree")) {
        // Docker 28's tree hides untagged images (dangling ones too) unless --all.
        const shown = filterImages(all, filters).filter((i) => flag.bool(f, "all") || i.repoTags.length > 0);
        const used = new Set((await listContainers(runtimeContext(ctx))).map((c) => c.imageId));
        const tree = await imageTree(images, shown, { layerSize: sizes.size, inUse: (id) => used.has(id) });
        sizes.save();
        const tty = ctx.stdout.isTTY === true;
        const color = tty && !ctx.env.NO_COLOR;
        const width = tty ? { width: ctx.stdout.columns ?? 80 } : {};
        for (const l of renderTree(tree, { tty, color, ...width })) ctx.out(l);
        return 0;
      }
      sizes.save();
      const quiet = flag.bool(f, "quiet");
      const digests = flag.bool(f, "digests");
      let format = flag.string(f, "format") ?? "";
      if (format === "" || format === "table") {
        format = quiet ? QUIET_FORMAT : digests ? IMAGE_TABLE_DIGESTS : IMAGE_TABLE;
      }
      const now = Date.now();
      const rows = filterImages(all, filters).flatMap((image) =>
        imageRows(image, { digests, trunc: !flag.bool(f, "no-trunc"), now }),
      );
      const text = renderFormat(format, rows, { headers: IMAGE_HEADERS });
      if (text !== "") ctx.out(text.replace(/\n$/, ""));
      return 0;
    } finally {
      await images.close();
    }
  },
};

import type { Digest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import {
  filterImages,
  type ImageFilters,
  type Images,
  listImages,
  openImages,
  resolveImage,
} from "../../images/index.js";
import { type Command, flag } from "../command.js";
import { badFilterFormat } from "../parse/filter-format.js";
import { renderFormat } from "../render/index.js";
import { FILTER_FLAG, FORMAT_FLAG } from "./common-flags.js";
import {
  IMAGE_HEADERS,
  IMAGE_TABLE,
  IMAGE_TABLE_DIGESTS,
  imageRows,
  QUIET_FORMAT,
} from "./image-contexts.js";
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
  ],
  maxArgs: 1,
  async run(ctx, f) {
    const images = await openImages(ctx.root);
    try {
      const filters = await parseFilters(images, [
        ...flag.strings(f, "filter"),
        ...(f.args[0] ? [`reference=${f.args[0]}`] : []),
      ]);
      const sizes = layerSizes(ctx.root, images.content);
      const all = await listImages(images, { layerSize: sizes.size });
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

import { WharfError } from "../../errors/index.js";
import { openImages } from "../../images/images.js";
import { resolveIn } from "../../images/resolve.js";
import { familiarName, familiarString, parseReference } from "../../reference/index.js";
import { type Command, flag } from "../command.js";
import { renderFormat } from "../render/index.js";
import {
  IMAGE_HEADERS,
  IMAGE_TABLE,
  IMAGE_TABLE_DIGESTS,
  imageRows,
  QUIET_FORMAT,
} from "./image-contexts.js";
import { type ImageDetail, listImages } from "./image-data.js";

/** Go's `path.Match`, which Docker's `reference=` filter uses. */
export function globMatch(pattern: string, name: string): boolean {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end === -1) return false;
      const body = pattern.slice(i + 1, end).replace(/^\^/, "!");
      re += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else if (c === "\\" && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += c.replace(/[.+^${}()|\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`).test(name);
}

type Filter = (d: ImageDetail) => ImageDetail | undefined;

function parseFilters(specs: string[], all: ImageDetail[]): Filter[] {
  const out: Filter[] = [];
  const entries = all.flatMap((d) => d.group.entries);
  const createdOf = (input: string) => {
    const id = resolveIn(entries, input).image.id;
    return all.find((d) => d.group.id === id)?.summary.created ?? 0;
  };
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq === -1) throw new WharfError("invalid-argument", `bad format of filter (expected name=value)`);
    const key = spec.slice(0, eq);
    const value = spec.slice(eq + 1);
    switch (key) {
      case "dangling": {
        if (!["true", "false", "1", "0"].includes(value)) {
          throw new WharfError("invalid-argument", `invalid filter 'dangling=${value}'`);
        }
        const want = value === "true" || value === "1";
        out.push((d) => ((d.summary.repoTags.length === 0) === want ? d : undefined));
        break;
      }
      case "reference":
        out.push((d) => {
          const tags = d.summary.repoTags.filter((t) => {
            const ref = parseReference(t);
            return globMatch(value, familiarString(ref)) || globMatch(value, familiarName(ref));
          });
          return tags.length > 0 ? { ...d, summary: { ...d.summary, repoTags: tags } } : undefined;
        });
        break;
      case "before": {
        const t = createdOf(value);
        out.push((d) => ((d.summary.created ?? 0) < t ? d : undefined));
        break;
      }
      case "since": {
        const t = createdOf(value);
        out.push((d) => ((d.summary.created ?? 0) > t ? d : undefined));
        break;
      }
      case "label": {
        const [k, v] = value.split(/=(.*)/s) as [string, string | undefined];
        out.push((d) => {
          const labels = d.config.config?.Labels ?? {};
          return k in labels && (v === undefined || labels[k] === v) ? d : undefined;
        });
        break;
      }
      default:
        throw new WharfError("invalid-argument", `invalid filter '${key}'`, {
          hint: "filters: dangling=true|false, reference=PATTERN, before=IMAGE, since=IMAGE, label=KEY[=VALUE]",
        });
    }
  }
  return out;
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
    {
      name: "filter",
      short: "f",
      type: "strings",
      valueName: "filter",
      description: "Filter output based on conditions provided",
    },
    { name: "format", type: "string", description: "Format output using a custom template" },
    { name: "no-trunc", type: "bool", description: "Don't truncate output" },
    { name: "quiet", short: "q", type: "bool", description: "Only show image IDs" },
  ],
  maxArgs: 1,
  async run(ctx, f) {
    const images = await openImages(ctx.root);
    const all = await listImages(images);
    const filters = parseFilters(
      [...flag.strings(f, "filter"), ...(f.args[0] ? [`reference=${f.args[0]}`] : [])],
      all,
    );
    const shown = all.map((d) => filters.reduce<ImageDetail | undefined>((x, fl) => (x ? fl(x) : x), d));
    const quiet = flag.bool(f, "quiet");
    const digests = flag.bool(f, "digests");
    let format = flag.string(f, "format") ?? "";
    if (format === "" || format === "table") {
      format = quiet ? QUIET_FORMAT : digests ? IMAGE_TABLE_DIGESTS : IMAGE_TABLE;
    }
    const now = Date.now();
    const rows = shown
      .filter((d): d is ImageDetail => d !== undefined)
      .flatMap((d) => imageRows(d.summary, { digests, trunc: !flag.bool(f, "no-trunc"), now }));
    const text = renderFormat(format, rows, { headers: IMAGE_HEADERS });
    if (text !== "") ctx.out(text.replace(/\n$/, ""));
    return 0;
  },
};

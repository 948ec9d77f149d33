import { listVolumes, volumeSizes, volumeUsers } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { formatterContext, humanSize, renderFormat } from "../render/index.js";
import { FORMAT_FLAG } from "./common-flags.js";
import { runtimeContext } from "./container-common.js";
import { volumeFilter } from "./volume-common.js";

const HEADERS = {
  Name: "VOLUME NAME",
  Driver: "DRIVER",
  Scope: "SCOPE",
  Mountpoint: "MOUNTPOINT",
  Labels: "LABELS",
  Links: "LINKS",
  Size: "SIZE",
  CreatedAt: "CREATED AT",
};

export const command: Command = {
  path: ["volume", "ls"],
  aliases: [["volume", "list"]],
  usage: "[OPTIONS]",
  description: "List volumes",
  flags: [
    {
      name: "filter",
      short: "f",
      type: "strings",
      valueName: "filter",
      description: 'Provide filter values (e.g. "dangling=true")',
    },
    FORMAT_FLAG,
    { name: "quiet", short: "q", type: "bool", description: "Only display volume names" },
  ],
  maxArgs: 0,
  async run(ctx, f) {
    const rt = runtimeContext(ctx);
    const users = await volumeUsers(rt);
    const keep = volumeFilter(flag.strings(f, "filter"), (n) => users.has(n));
    const vols = (await listVolumes(rt)).filter(keep);
    let format = flag.string(f, "format") ?? "";
    if (format === "" || format === "table") {
      format = flag.bool(f, "quiet") ? "{{.Name}}" : "table {{.Driver}}\t{{.Name}}";
    }
    // Sizes are measured only when the format asks for them (a walk of each volume).
    const sizes = format.includes(".Size")
      ? await volumeSizes(
          rt,
          vols.map((v) => v.Name),
        )
      : new Map<string, number>();
    const rows = vols.map((v) => {
      const fields = {
        Name: v.Name,
        Driver: v.Driver,
        Scope: v.Scope,
        Mountpoint: v.Mountpoint,
        Labels: Object.entries(v.Labels ?? {})
          .map(([k, x]) => `${k}=${x}`)
          .join(","),
        Links: String(users.get(v.Name)?.length ?? 0),
        Size: sizes.has(v.Name) ? humanSize(sizes.get(v.Name) ?? 0) : "N/A",
        CreatedAt: v.CreatedAt,
      };
      return formatterContext("*formatter.volumeContext", fields);
    });
    const text = renderFormat(format, rows, { headers: HEADERS });
    if (text !== "") ctx.out(text.replace(/\n$/, ""));
    return 0;
  },
};

import { openBuildCache } from "../../build/index.js";
import { type ImageSummary, listImages, openImages, readManifest } from "../../images/index.js";
import { containerUsage, statusText, volumeUsage } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { ago, formatterContext, humanSize, renderFormat, tabulate } from "../render/index.js";
import { FORMAT_FLAG } from "./common-flags.js";
import { runtimeContext } from "./container-common.js";
import { layerSizes } from "./layer-sizes.js";

const SUMMARY = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}";
const HEADERS = {
  Type: "TYPE",
  TotalCount: "TOTAL",
  Active: "ACTIVE",
  Size: "SIZE",
  Reclaimable: "RECLAIMABLE",
};

/** Docker's RECLAIMABLE: the bytes and, when there is a total, their share in whole percent. */
function reclaimable(n: number, total: number): string {
  return total > 0 ? `${humanSize(n)} (${Math.trunc((n * 100) / total)}%)` : humanSize(n);
}

interface ImageUsage {
  image: ImageSummary;
  /** Its layers' sizes by digest. */
  layers: Map<string, number>;
  containers: number;
}

/** Everything `system df` counts, in one pass (shared with `system prune`'s report of what it freed). */
export async function gatherUsage(root: string) {
  const rt = { root };
  const containers = await containerUsage(rt);
  const volumes = await volumeUsage(rt);
  const images: ImageUsage[] = [];
  const store = await openImages(root);
  try {
    const sizes = layerSizes(root, store.content);
    for (const image of await listImages(store, { layerSize: sizes.size })) {
      const layers = new Map<string, number>();
      for (const l of (await readManifest(store.content, image.manifest)).manifest.layers) {
        layers.set(l.digest, await sizes.size(l));
      }
      const used = containers.filter((c) => c.rec.imageId === image.id).length;
      images.push({ image, layers, containers: used });
    }
    sizes.save();
  } finally {
    await store.close();
  }
  const cache = openBuildCache(root).list();
  return { containers, volumes, images, cache };
}

type Usage = Awaited<ReturnType<typeof gatherUsage>>;

/** Unique bytes of the layers of `images` (a layer shared by several counts once). */
function layerBytes(images: readonly ImageUsage[]): number {
  const all = new Map<string, number>();
  for (const i of images) for (const [d, n] of i.layers) all.set(d, n);
  return [...all.values()].reduce((a, b) => a + b, 0);
}

function summaryRows(u: Usage) {
  const imgTotal = layerBytes(u.images);
  const active = u.images.filter((i) => i.containers > 0);
  const ctrTotal = u.containers.reduce((a, c) => a + c.size, 0);
  const running = u.containers.filter((c) => c.rec.state === "running");
  const volTotal = u.volumes.reduce((a, v) => a + v.size, 0);
  const volUsed = u.volumes.filter((v) => v.links > 0);
  const cacheTotal = u.cache.reduce((a, e) => a + (e.record.layer?.size ?? 0), 0);
  const row = (Type: string, TotalCount: number, Active: number, size: number, free: number, pct = true) => {
    const fields = {
      Type,
      TotalCount: String(TotalCount),
      Active: String(Active),
      Size: humanSize(size),
      Reclaimable: pct ? reclaimable(free, size) : humanSize(free),
    };
    return formatterContext("*formatter.diskUsageContext", fields);
  };
  return [
    row("Images", u.images.length, active.length, imgTotal, imgTotal - layerBytes(active)),
    row(
      "Containers",
      u.containers.length,
      running.length,
      ctrTotal,
      ctrTotal - running.reduce((a, c) => a + c.size, 0),
    ),
    row(
      "Local Volumes",
      u.volumes.length,
      volUsed.length,
      volTotal,
      volTotal - volUsed.reduce((a, v) => a + v.size, 0),
    ),
    row("Build Cache", u.cache.length, 0, cacheTotal, cacheTotal, false),
  ];
}

function verbose(u: Usage, out: (s: string) => void): void {
  const counts = new Map<string, number>();
  for (const i of u.images) for (const d of i.layers.keys()) counts.set(d, (counts.get(d) ?? 0) + 1);
  const now = Date.now();
  const imgRows = u.images.map((i) => {
    let shared = 0;
    let total = 0;
    for (const [d, n] of i.layers) {
      total += n;
      if ((counts.get(d) ?? 0) > 1) shared += n;
    }
    const [repo = "<none>", tag = "<none>"] = (i.image.repoTags[0] ?? "<none>:<none>").split(/:(?=[^:/]*$)/);
    return `${repo}\t${tag}\t${i.image.id.slice(7, 19)}\t${i.image.created ? ago(Date.parse(i.image.created), now) : "N/A"}\t${humanSize(total)}\t${humanSize(shared)}\t${humanSize(total - shared)}\t${i.containers}`;
  });
  const tab = (head: string, rows: string[]) => out(tabulate([head, ...rows].join("\n")).replace(/\n$/, ""));
  out("Images space usage:\n");
  tab("REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\tSHARED SIZE\tUNIQUE SIZE\tCONTAINERS", imgRows);
  out("\nContainers space usage:\n");
  tab(
    "CONTAINER ID\tIMAGE\tCOMMAND\tLOCAL VOLUMES\tSIZE\tCREATED\tSTATUS\tNAMES",
    u.containers.map((c) => {
      const cmd = [c.rec.path, ...c.rec.args].join(" ");
      const vols = (c.rec.options.mounts ?? []).filter((m) => m.type === "volume").length;
      return `${c.rec.id.slice(0, 12)}\t${c.rec.image}\t"${cmd.length > 20 ? `${cmd.slice(0, 19)}\u2026` : cmd}"\t${vols}\t${humanSize(c.size)}\t${ago(Date.parse(c.rec.created), now)}\t${statusText(c.rec, now)}\t${c.rec.name}`;
    }),
  );
  out("\nLocal Volumes space usage:\n");
  tab(
    "VOLUME NAME\tLINKS\tSIZE",
    u.volumes.map((v) => `${v.volume.Name}\t${v.links}\t${humanSize(v.size)}`),
  );
  const cacheTotal = u.cache.reduce((a, e) => a + (e.record.layer?.size ?? 0), 0);
  out(`\nBuild cache usage: ${humanSize(cacheTotal)}\n`);
  tab(
    "CACHE ID\tCACHE TYPE\tSIZE\tCREATED\tLAST USED\tUSAGE\tSHARED",
    u.cache.map(
      (e) =>
        `${e.record.key.slice(7, 32)}\tregular\t${humanSize(e.record.layer?.size ?? 0)}\t${ago(e.lastUsed.getTime(), now)}\t${ago(e.lastUsed.getTime(), now)}\t1\tfalse`,
    ),
  );
}

export const command: Command = {
  path: ["system", "df"],
  usage: "[OPTIONS]",
  description: "Show docker disk usage",
  flags: [
    FORMAT_FLAG,
    { name: "verbose", short: "v", type: "bool", description: "Show detailed information on space usage" },
  ],
  maxArgs: 0,
  async run(ctx, f) {
    const u = await gatherUsage(runtimeContext(ctx).root);
    if (flag.bool(f, "verbose")) {
      verbose(u, (s) => ctx.out(s));
      return 0;
    }
    let format = flag.string(f, "format") ?? "";
    if (format === "" || format === "table") format = SUMMARY;
    const text = renderFormat(format, summaryRows(u), { headers: HEADERS });
    if (text !== "") ctx.out(text.replace(/\n$/, ""));
    return 0;
  },
};

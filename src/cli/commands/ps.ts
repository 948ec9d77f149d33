import { WharfError } from "../../errors/index.js";
import {
  type ContainerRecord,
  exposedPortsConfig,
  listContainers,
  networkNames,
  portLines,
  summarize,
} from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { badFilterFormat } from "../parse/filter-format.js";
import { ago, formatterContext, goTimeString, imageSize, renderFormat } from "../render/index.js";
import { FILTER_FLAG, FORMAT_FLAG } from "./common-flags.js";
import { runtimeContext } from "./container-common.js";
import type { ContainerSize } from "./container-sizes.js";

const PS_TABLE =
  "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";

const PS_HEADERS = {
  ID: "CONTAINER ID",
  Image: "IMAGE",
  Command: "COMMAND",
  CreatedAt: "CREATED AT",
  RunningFor: "CREATED",
  Status: "STATUS",
  State: "STATE",
  Ports: "PORTS",
  Names: "NAMES",
  Labels: "LABELS",
  LocalVolumes: "LOCAL VOLUMES",
  Mounts: "MOUNTS",
  Size: "SIZE",
  Networks: "NETWORKS",
};

/** Docker's `formatter.Ellipsis`: cuts to `max` characters, the last one `…`. */
function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join("")}…`;
}

function sizeText(size: ContainerSize | undefined): string {
  if (size === undefined) return "0B";
  const rw = imageSize(size.rw);
  return size.rootFs > 0 ? `${rw} (virtual ${imageSize(size.rootFs)})` : rw;
}

function row(rec: ContainerRecord, trunc: boolean, now: number, size?: ContainerSize) {
  const s = summarize(rec, now);
  const command = trunc ? ellipsis(s.command, 20) : s.command;
  const fields = {
    ID: trunc ? s.id.slice(0, 12) : s.id,
    Image: s.image,
    Command: `"${command}"`,
    CreatedAt: goTimeString(Date.parse(s.created)),
    RunningFor: ago(Date.parse(s.created), now),
    Status: s.status,
    State: s.state,
    Ports: s.ports,
    Names: s.name,
    Labels: Object.entries(s.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(","),
    Mounts: s.mounts.join(","),
    // Docker's count of the mounts that are local-driver volumes.
    LocalVolumes: String((rec.options.mounts ?? []).filter((m) => m.type === "volume").length),
    Size: sizeText(size),
    Networks: networkNames(rec),
  };
  return formatterContext("*formatter.ContainerContext", fields);
}

type Filter = (r: ContainerRecord) => boolean;

/** Docker's `publish=`/`expose=` values: `80`, `80/udp`, `8000-8080/tcp` against a `port/proto` key. */
function portMatches(spec: string, key: string): boolean {
  const [range = "", proto] = spec.split("/");
  const [port = "", kproto = ""] = key.split("/");
  const [lo, hi = lo] = range.split("-").map(Number);
  const n = Number(port);
  return (proto === undefined || proto === kproto) && lo !== undefined && n >= lo && n <= (hi ?? lo);
}

/** The container a `before=`/`since=` filter names (a name or an ID prefix), as Docker resolves it. */
function referenced(value: string, all: readonly ContainerRecord[]): ContainerRecord {
  const hit =
    all.find((r) => r.name === value.replace(/^\//, "")) ??
    all.find((r) => r.id === value) ??
    (value.length > 0 ? all.filter((r) => r.id.startsWith(value)) : []).at(0);
  if (!hit) throw new WharfError("not-found", `No such container: ${value}`);
  return hit;
}

function filters(specs: string[], all: readonly ContainerRecord[]): Filter[] {
  return specs.map((spec) => {
    const eq = spec.indexOf("=");
    if (eq < 0) throw badFilterFormat(spec);
    const key = spec.slice(0, eq);
    const value = spec.slice(eq + 1);
    switch (key) {
      case "status":
        if (!["created", "running", "exited", "paused", "restarting", "removing", "dead"].includes(value)) {
          throw new WharfError("invalid-argument", `invalid filter 'status=${value}'`);
        }
        // Docker's state: a frozen container is `paused`, one between restarts `restarting`.
        return (r) => summarize(r).state === value;
      case "network":
        return (r) => networkNames(r).split(",").includes(value);
      case "publish":
        return (r) => portLines(r).some((l) => portMatches(value, l.key));
      case "expose":
        return (r) => Object.keys(exposedPortsConfig(r) ?? {}).some((k) => portMatches(value, k));
      case "volume":
        return (r) => (r.options.mounts ?? []).some((m) => m.source === value || m.destination === value);
      case "health":
        if (!["starting", "healthy", "unhealthy", "none"].includes(value)) {
          throw new WharfError("invalid-argument", `Unrecognised filter value for health: ${value}`);
        }
        return (r) => (r.health?.Status ?? "none") === value;
      case "name":
        return (r) => new RegExp(value).test(r.name);
      case "id":
        return (r) => r.id.startsWith(value);
      case "ancestor":
        return (r) => r.image === value || r.imageId === value || r.imageId.slice(7).startsWith(value);
      case "exited":
        return (r) => r.state === "exited" && String(r.exitCode) === value;
      case "before": {
        const ref = referenced(value, all);
        return (r) => r.created < ref.created;
      }
      case "since": {
        const ref = referenced(value, all);
        return (r) => r.created > ref.created;
      }
      case "is-task":
        // No swarm here: no container is a task.
        if (value !== "true" && value !== "false") {
          throw new WharfError("invalid-argument", `Invalid filter 'is-task=${value}'`);
        }
        return () => value === "false";
      case "label": {
        const [k, v] = value.split(/=(.*)/s) as [string, string | undefined];
        return (r) => {
          const labels = r.options.labels ?? {};
          return k in labels && (v === undefined || labels[k] === v);
        };
      }
      default:
        throw new WharfError("invalid-argument", `invalid filter '${key}'`, {
          hint: "filters: status=, name=, id=, ancestor=, before=, since=, exited=, label=, volume=, health=, network=, publish=, expose=, is-task=",
        });
    }
  });
}

export const command: Command = {
  path: ["ps"],
  aliases: [
    ["container", "ls"],
    ["container", "list"],
    ["container", "ps"],
  ],
  usage: "[OPTIONS]",
  description: "List containers",
  flags: [
    {
      name: "all",
      short: "a",
      type: "bool",
      description: "Show all containers (default shows just running)",
    },
    FILTER_FLAG,
    FORMAT_FLAG,
    {
      name: "last",
      short: "n",
      type: "int",
      default: -1,
      description: "Show n last created containers (includes all states)",
    },
    {
      name: "latest",
      short: "l",
      type: "bool",
      description: "Show the latest created container (includes all states)",
    },
    { name: "no-trunc", type: "bool", description: "Don't truncate output" },
    { name: "quiet", short: "q", type: "bool", description: "Only display container IDs" },
    { name: "size", short: "s", type: "bool", description: "Display total file sizes" },
  ],
  maxArgs: 0,
  async run(ctx, f) {
    const listed = await listContainers(runtimeContext(ctx));
    const fs = filters(flag.strings(f, "filter"), listed);
    const last = flag.bool(f, "latest") ? 1 : (flag.int(f, "last") ?? -1);
    const byState = flag.strings(f, "filter").some((x) => x.startsWith("status=") || x.startsWith("exited="));
    const all = flag.bool(f, "all") || last > 0 || byState;
    let recs = listed.filter((r) => all || r.state === "running");
    recs = recs.filter((r) => fs.every((fl) => fl(r)));
    if (last > 0) recs = recs.slice(0, last);
    let format = flag.string(f, "format") ?? "";
    const quiet = flag.bool(f, "quiet");
    // As Docker's CLI: sizes are measured with --size, or when a template shows .Size (unless
    // --size=false or --quiet), and the default table gains a SIZE column.
    const sizes =
      flag.bool(f, "size") || (!quiet && !f.given.has("size") && format.includes(".Size"))
        ? await (await import("./container-sizes.js")).containerSizes(ctx.root, recs)
        : undefined;
    if (format === "" || format === "table")
      format = quiet ? "{{.ID}}" : sizes ? `${PS_TABLE}\t{{.Size}}` : PS_TABLE;
    const now = Date.now();
    const text = renderFormat(
      format,
      recs.map((r) => row(r, !flag.bool(f, "no-trunc"), now, sizes?.get(r.id))),
      { headers: PS_HEADERS },
    );
    if (text !== "") ctx.out(text.replace(/\n$/, ""));
    return 0;
  },
};

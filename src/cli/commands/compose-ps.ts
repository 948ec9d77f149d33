import { LABELS } from "../../compose/index.js";
import { type ContainerRecord, networkNames, publishedPorts, summarize } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { ago, goTimeString, tabulate } from "../render/index.js";
import { COMPOSE_FLAGS, projectContainers, projectNameOf } from "./compose-common.js";
import { runtimeContext } from "./container-common.js";

/** Compose's `Publishers`: the running container's bindings, the IPv6 side (`::`) too when it has one. */
function publishers(rec: ContainerRecord) {
  return publishedPorts(rec).map((p) => ({
    URL: p.hostIp || "0.0.0.0",
    TargetPort: p.containerPort,
    PublishedPort: p.hostPort,
    Protocol: p.protocol,
  }));
}

/** One container as Compose's `ps --format json` gives it (its field names and order). */
function jsonRow(rec: ContainerRecord, now: number) {
  const s = summarize(rec, now);
  const l = s.labels;
  return {
    Command: `"${s.command}"`,
    CreatedAt: goTimeString(Date.parse(s.created)),
    ExitCode: s.exitCode,
    Health: rec.health?.Status ?? "",
    ID: s.id,
    Image: s.image,
    Labels: Object.entries(l)
      .map(([k, v]) => `${k}=${v}`)
      .join(","),
    LocalVolumes: String((rec.options.mounts ?? []).filter((m) => m.type === "volume").length),
    Mounts: s.mounts.join(","),
    Name: s.name,
    Names: s.name,
    Networks: networkNames(rec),
    Ports: s.ports,
    Project: l[LABELS.project] ?? "",
    Publishers: publishers(rec),
    RunningFor: ago(Date.parse(s.created), now),
    Service: l[LABELS.service] ?? "",
    Size: "0B",
    State: s.state,
    Status: s.status,
  };
}

export const command: Command = {
  path: ["compose", "ps"],
  usage: "[OPTIONS] [SERVICE...]",
  description: "List containers",
  flags: [
    ...COMPOSE_FLAGS,
    {
      name: "all",
      short: "a",
      type: "bool",
      description: "Show all stopped containers (including those created by the run command)",
    },
    {
      name: "format",
      type: "string",
      default: "table",
      description: "Format the output. Values: [table | json]",
    },
    { name: "quiet", short: "q", type: "bool", description: "Only display IDs" },
    { name: "services", type: "bool", description: "Display services" },
  ],
  async run(ctx, f) {
    const { name } = projectNameOf(ctx, f);
    const rt = runtimeContext(ctx);
    const now = Date.now();
    const all = flag.bool(f, "all");
    const containers = (await projectContainers(rt, name, { services: f.args, oneoff: all })).filter(
      (c) => all || c.state === "running",
    );
    if (flag.bool(f, "quiet")) {
      for (const c of containers) ctx.out(c.id);
      return 0;
    }
    if (flag.bool(f, "services")) {
      for (const s of new Set(containers.map((c) => c.options.labels?.[LABELS.service] ?? ""))) ctx.out(s);
      return 0;
    }
    const format = flag.string(f, "format") ?? "table";
    if (format === "json") {
      for (const c of containers) ctx.out(JSON.stringify(jsonRow(c, now)));
      return 0;
    }
    const lines = ["NAME\tIMAGE\tCOMMAND\tSERVICE\tCREATED\tSTATUS\tPORTS"];
    for (const c of containers) {
      const r = jsonRow(c, now);
      const cmd = r.Command.length > 22 ? `${r.Command.slice(0, 20)}\u2026"` : r.Command;
      lines.push([r.Name, r.Image, cmd, r.Service, r.RunningFor, r.Status, r.Ports].join("\t"));
    }
    ctx.out(tabulate(lines.join("\n")));
    return 0;
  },
};

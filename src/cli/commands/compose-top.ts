import { LABELS } from "../../compose/index.js";
import { topContainer } from "../../runtime/index.js";
import type { Command } from "../command.js";
import { tabulate } from "../render/index.js";
import { COMPOSE_FLAGS, projectContainers, projectNameOf } from "./compose-common.js";
import { containerNumber } from "./compose-targets.js";
import { runtimeContext } from "./container-common.js";

/** One container's processes, as `topContainer` gives them. */
export interface ContainerTop {
  service: string;
  replica: string;
  titles: string[];
  processes: string[][];
}

/**
 * Compose's one table for all the containers: SERVICE and # (the replica) first, the titles as met,
 * CMD last, `-` where a container lacks a column; its tabwriter (4 wide, 2 apart).
 */
export function topTable(tops: readonly ContainerTop[]): string {
  const header = ["SERVICE", "#"];
  for (const t of tops) for (const title of t.titles) if (!header.includes(title)) header.push(title);
  const cmd = header.indexOf("CMD");
  if (cmd >= 0) header.push(...header.splice(cmd, 1));
  const rows = tops.flatMap((t) =>
    t.processes.map((proc) => {
      const cell: Record<string, string> = { SERVICE: t.service, "#": t.replica };
      t.titles.forEach((title, i) => {
        cell[title] = proc[i] ?? "";
      });
      return header.map((h) => cell[h] ?? "-").join("\t");
    }),
  );
  if (rows.length === 0) return "";
  return tabulate(`${[header.join("\t"), ...rows].join("\n")}\n`, { minWidth: 4, padding: 2 });
}

export const command: Command = {
  path: ["compose", "top"],
  usage: "[SERVICES...]",
  description: "Display the running processes",
  flags: COMPOSE_FLAGS,
  async run(ctx, f) {
    const { name } = projectNameOf(ctx, f);
    const rt = runtimeContext(ctx);
    const running = (await projectContainers(rt, name, { services: f.args })).filter(
      (c) => c.state === "running",
    );
    const tops: ContainerTop[] = [];
    for (const c of running) {
      const top = await topContainer(rt, c.id, []);
      tops.push({
        service: c.options.labels?.[LABELS.service] ?? "",
        replica: String(containerNumber(c)),
        titles: top.Titles,
        processes: top.Processes,
      });
    }
    ctx.stdout.write(topTable(tops));
    return 0;
  },
};

import { LABELS } from "../../compose/index.js";
import { WharfError } from "../../errors/index.js";
import type { ContainerRecord, RuntimeContext } from "../../runtime/index.js";
import type { Command } from "../command.js";
import type { Context } from "../context.js";
import { type FlagSpec, parseFlags } from "../flags.js";
import type { progress } from "./compose-common.js";
import { projectContainers } from "./compose-common.js";

/** `--index`: which of a service's containers (replicas), as Compose numbers them from 1. */
export const INDEX_FLAG: FlagSpec = {
  name: "index",
  type: "int",
  description: "index of the container if service has multiple replicas",
};

/** A container's number in its service (`com.docker.compose.container-number`). */
export function containerNumber(c: ContainerRecord): number {
  return Number(c.options.labels?.[LABELS.number] ?? "1") || 1;
}

/**
 * The one container of SERVICE a verb acts on (`--index N`, else the first), as Compose's
 * `getSpecifiedContainer`; its words when there is none.
 */
export async function serviceContainer(
  rt: RuntimeContext,
  project: string,
  service: string,
  index?: number,
): Promise<ContainerRecord> {
  const all = (await projectContainers(rt, project, { services: [service], oneoff: false })).sort(
    (a, b) => containerNumber(a) - containerNumber(b),
  );
  if (all.length === 0) {
    throw new WharfError("not-found", `service "${service}" is not running`, {
      hint: `wharf compose up -d ${service}`,
    });
  }
  if (index === undefined) return all[0] as ContainerRecord;
  const hit = all.find((c) => containerNumber(c) === index);
  if (!hit) {
    throw new WharfError("not-found", `service "${service}" is not running container #${index}`, {
      hint: `wharf compose ps ${service} lists its containers`,
    });
  }
  return hit;
}

/**
 * Runs a per-container action with Compose's progress lines (` Container x  Killing`, then
 * `Killed`) over the project's containers of the services named (all when none).
 */
export async function eachServiceContainer(
  containers: readonly ContainerRecord[],
  say: ReturnType<typeof progress>,
  words: [doing: string, done: string],
  act: (c: ContainerRecord) => Promise<unknown>,
): Promise<void> {
  for (const c of containers) {
    say("Container", c.name, words[0]);
    await act(c);
    say("Container", c.name, words[1]);
  }
}

/**
 * Runs one of wharf's container verbs (`cp`, `attach`, `stats`, `push`) on the containers or images
 * a compose verb picked, with the flags it passes on: the verb's own output and statuses.
 */
export async function runContainerVerb(
  ctx: Context,
  load: () => Promise<{ command: Command }>,
  argv: readonly string[],
): Promise<number> {
  const { command } = await load();
  return (await command.run(ctx, parseFlags(argv, command.flags, command.interspersed !== false))) ?? 0;
}

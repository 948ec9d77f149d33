import { LABELS } from "../../compose/index.js";
import { removeContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import { COMPOSE_FLAGS, progress, projectContainers, projectNameOf } from "./compose-common.js";
import { stopWithHooks } from "./compose-hooks.js";
import { runtimeContext } from "./container-common.js";
import { readLine } from "./prompt.js";

/**
 * Compose's confirmation: on a terminal `? MSG (y/N) ` read as a line; from a pipe MSG alone and the
 * first line read (its `Pipe` prompt). Only `y`/`yes`/`true` (any case) and `1` agree; end of input
 * or anything else is No.
 */
export async function confirm(ctx: Context, message: string): Promise<boolean> {
  const question = ctx.stdin.isTTY ? `? ${message} (y/N) ` : message;
  const answer = await readLine(ctx, question).catch(() => "");
  return /^(y|yes|true|1|t)$/i.test(answer.trim());
}

export const command: Command = {
  path: ["compose", "rm"],
  usage: "[OPTIONS] [SERVICE...]",
  description: "Removes stopped service containers",
  flags: [
    ...COMPOSE_FLAGS,
    { name: "force", short: "f", type: "bool", description: "Don't ask to confirm removal" },
    {
      name: "stop",
      short: "s",
      type: "bool",
      description: "Stop the containers, if required, before removing",
    },
    {
      name: "volumes",
      short: "v",
      type: "bool",
      description: "Remove any anonymous volumes attached to containers",
    },
  ],
  async run(ctx, f) {
    const { name, project } = projectNameOf(ctx, f);
    const rt = runtimeContext(ctx);
    const say = progress(ctx);
    if (flag.bool(f, "stop")) {
      const running = (await projectContainers(rt, name, { services: f.args })).filter(
        (c) => c.state === "running",
      );
      for (const c of running.reverse()) {
        say("Container", c.name, "Stopping");
        // As Compose's stop: the service's pre_stop hooks first (when the file is read).
        const svc = project?.services.find((x) => x.name === c.options.labels?.[LABELS.service]);
        await stopWithHooks(ctx, rt, svc, c.id);
        say("Container", c.name, "Stopped");
      }
    }
    const stopped = (await projectContainers(rt, name, { services: f.args })).filter(
      (c) => c.state !== "running",
    );
    if (stopped.length === 0) {
      ctx.err("No stopped containers");
      return 0;
    }
    const message = `Going to remove ${stopped.map((c) => c.name).join(", ")}`;
    if (flag.bool(f, "force")) ctx.out(message);
    else if (!(await confirm(ctx, message))) return 0;
    for (const c of stopped) {
      say("Container", c.name, "Removing");
      await removeContainer(rt, c.id, { force: flag.bool(f, "force"), volumes: flag.bool(f, "volumes") });
      say("Container", c.name, "Removed");
    }
    return 0;
  },
};

import { WharfError } from "../../errors/index.js";
import { waitContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { COMPOSE_FLAGS, projectContainers, projectNameOf } from "./compose-common.js";
import { runtimeContext } from "./container-common.js";

/** Compose's line for a container that ended. */
function exited(id: string, code: number): string {
  return `container ${JSON.stringify(id)} exited with status code ${code}`;
}

export const command: Command = {
  path: ["compose", "wait"],
  usage: "SERVICE [SERVICE...] [OPTIONS]",
  description: "Block until containers of all (or specified) services stop.",
  flags: [
    ...COMPOSE_FLAGS,
    { name: "down-project", type: "bool", description: "Drops project when the first container stops" },
  ],
  async run(ctx, f) {
    if (f.args.length === 0) {
      throw new WharfError("usage", `"wharf compose wait" requires at least 1 argument.`, {
        hint: "wharf compose wait [--down-project] SERVICE [SERVICE...]",
      });
    }
    const { name } = projectNameOf(ctx, f);
    const rt = runtimeContext(ctx);
    const containers = (await projectContainers(rt, name, { services: f.args })).filter(
      (c) => c.state === "running",
    );
    if (containers.length === 0) {
      throw new WharfError("not-found", `no containers for project "${name}"`, {
        hint: "wharf compose up -d first",
      });
    }
    // As Compose: each container's exit code as it ends; with --down-project the first to end
    // takes the project down and its code is the status.
    const down = flag.bool(f, "down-project");
    let last = 0;
    if (down) {
      const first = await Promise.race(
        containers.map(async (c) => ({ id: c.id, code: await waitContainer(rt, c.id) })),
      );
      last = first.code;
      ctx.out(exited(first.id, first.code));
      const { command: downCmd } = await import("./compose-down.js");
      await downCmd.run(ctx, { ...f, args: [], values: { ...f.values }, given: new Set(f.given) });
      return last;
    }
    await Promise.all(
      containers.map(async (c) => {
        const code = await waitContainer(rt, c.id);
        ctx.out(exited(c.id, code));
        last = code;
      }),
    );
    return last;
  },
};

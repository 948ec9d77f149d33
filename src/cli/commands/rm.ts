import { isWharfError } from "../../errors/index.js";
import { removeContainer, removeLink } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { reportError } from "../report.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["rm"],
  aliases: [
    ["container", "rm"],
    ["container", "remove"],
  ],
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  description: "Remove one or more containers",
  flags: [
    {
      name: "force",
      short: "f",
      type: "bool",
      description: "Force the removal of a running container (uses SIGKILL)",
    },
    { name: "link", short: "l", type: "bool", description: "Remove the specified link" },
    {
      name: "volumes",
      short: "v",
      type: "bool",
      description: "Remove anonymous volumes associated with the container",
    },
  ],
  minArgs: 1,
  async run(ctx, f) {
    const rt = runtimeContext(ctx);
    const force = flag.bool(f, "force");
    let status = 0;
    // `--link /PARENT/ALIAS`: the links go, not the containers (runtime/links.ts, loaded only then).
    const links = flag.bool(f, "link");
    for (const name of f.args) {
      try {
        if (links) {
          await removeLink(rt, name);
          ctx.out(name);
          continue;
        }
        await removeContainer(rt, name, { force, volumes: flag.bool(f, "volumes") });
        ctx.out(name);
      } catch (e) {
        reportError(ctx, e);
        // As Docker: with -f, a container that is not there is said, and is no failure.
        if (!(force && isWharfError(e, "container-not-found"))) status = 1;
      }
    }
    return status;
  },
};

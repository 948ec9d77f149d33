import { killContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { containerVerb } from "./container-common.js";

export const command: Command = containerVerb({
  verb: "kill",
  description: "Kill one or more running containers",
  flags: [
    {
      name: "signal",
      short: "s",
      type: "string",
      default: "KILL",
      description: "Signal to send to the container",
    },
  ],
  act: (rt, name, f) => killContainer(rt, name, flag.string(f, "signal") ?? "KILL"),
});

import { unpauseContainer } from "../../runtime/index.js";
import type { Command } from "../command.js";
import { containerVerb } from "./container-common.js";

export const command: Command = containerVerb({
  verb: "unpause",
  description: "Unpause all processes within one or more containers",
  act: (rt, name) => unpauseContainer(rt, name),
});

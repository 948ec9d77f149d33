import { pauseContainer } from "../../runtime/index.js";
import type { Command } from "../command.js";
import { containerVerb } from "./container-common.js";

export const command: Command = containerVerb({
  verb: "pause",
  description: "Pause all processes within one or more containers",
  act: (rt, name) => pauseContainer(rt, name),
});

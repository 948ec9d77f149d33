import { stopContainer } from "../../runtime/index.js";
import type { Command } from "../command.js";
import { containerVerb, STOP_FLAGS, stopOptions } from "./container-common.js";

export const command: Command = containerVerb({
  verb: "stop",
  description: "Stop one or more running containers",
  flags: STOP_FLAGS,
  act: (rt, name, f) => stopContainer(rt, name, stopOptions(f)),
});

import { restartContainer } from "../../runtime/index.js";
import type { Command } from "../command.js";
import { containerVerb, STOP_FLAGS, stopOptions } from "./container-common.js";

export const command: Command = containerVerb({
  verb: "restart",
  description: "Restart one or more containers",
  flags: STOP_FLAGS,
  act: (rt, name, f) => restartContainer(rt, name, stopOptions(f)),
});

import { WharfError } from "../../errors/index.js";
import { readLogs } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["logs"],
  aliases: [["container", "logs"]],
  usage: "[OPTIONS] CONTAINER",
  description: "Fetch the logs of a container",
  flags: [
    { name: "follow", short: "f", type: "bool", description: "Follow log output" },
    {
      name: "tail",
      short: "n",
      type: "string",
      default: "all",
      description: "Number of lines to show from the end of the logs",
    },
    { name: "timestamps", short: "t", type: "bool", description: "Show timestamps" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    const tailFlag = flag.string(f, "tail") ?? "all";
    let tail: number | undefined;
    if (tailFlag !== "all") {
      if (!/^-?\d+$/.test(tailFlag))
        throw new WharfError("invalid-argument", `invalid value for "tail": ${tailFlag}`);
      const n = Number(tailFlag);
      tail = n < 0 ? undefined : n;
    }
    const stamps = flag.bool(f, "timestamps");
    const entries = await readLogs(runtimeContext(ctx), f.args[0] as string, {
      follow: flag.bool(f, "follow"),
      ...(tail !== undefined ? { tail } : {}),
    });
    for await (const e of entries) {
      const text = stamps ? `${e.time} ${e.log}` : e.log;
      (e.stream === "stderr" ? ctx.stderr : ctx.stdout).write(text);
    }
    return 0;
  },
};

import { WharfError } from "../../errors/index.js";
import { readLogs } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { entryTimeNs, fixedNanoTime, parseLogTime } from "../parse/log-time.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["logs"],
  aliases: [["container", "logs"]],
  usage: "[OPTIONS] CONTAINER",
  description: "Fetch the logs of a container",
  flags: [
    { name: "details", type: "bool", description: "Show extra details provided to logs" },
    { name: "follow", short: "f", type: "bool", description: "Follow log output" },
    {
      name: "since",
      type: "string",
      description:
        'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
    },
    {
      name: "tail",
      short: "n",
      type: "string",
      default: "all",
      description: "Number of lines to show from the end of the logs",
    },
    { name: "timestamps", short: "t", type: "bool", description: "Show timestamps" },
    {
      name: "until",
      type: "string",
      description:
        'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
    },
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
    const now = Date.now();
    const sinceFlag = flag.string(f, "since");
    const untilFlag = flag.string(f, "until");
    const since = sinceFlag === undefined ? undefined : parseLogTime(sinceFlag, now);
    const until = untilFlag === undefined ? undefined : parseLogTime(untilFlag, now);
    const stamps = flag.bool(f, "timestamps");
    // wharf's json-file keeps no log attributes (Docker's --log-opt labels/env): with --details,
    // Docker prints the attributes and a space before each line, so here the space alone.
    const details = flag.bool(f, "details") ? " " : "";
    const entries = await readLogs(runtimeContext(ctx), f.args[0] as string, {
      follow: flag.bool(f, "follow"),
      ...(tail !== undefined ? { tail } : {}),
      ...(until !== undefined ? { until: Number(until / 1_000_000n) } : {}),
    });
    for await (const e of entries) {
      if (since !== undefined || until !== undefined) {
        const t = entryTimeNs(e.time);
        if (t !== undefined && since !== undefined && t < since) continue;
        if (t !== undefined && until !== undefined && t > until) break;
      }
      const text = `${stamps ? `${fixedNanoTime(e.time)} ` : ""}${details}${e.log}`;
      (e.stream === "stderr" ? ctx.stderr : ctx.stdout).write(text);
    }
    return 0;
  },
};

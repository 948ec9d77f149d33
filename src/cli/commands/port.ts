import { WharfError } from "../../errors/index.js";
import { getContainer, portLines } from "../../runtime/index.js";
import type { Command } from "../command.js";
import { parsePortArg } from "../parse/ports.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["port"],
  aliases: [["container", "port"]],
  usage: "CONTAINER [PRIVATE_PORT[/PROTO]]",
  description: "List port mappings or a specific mapping for the container",
  flags: [],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, f) {
    const [name = "", want] = f.args;
    const rec = await getContainer(runtimeContext(ctx), name);
    const lines = portLines(rec);
    if (want === undefined) {
      for (const l of lines) ctx.out(`${l.key} -> ${l.host}`);
      return 0;
    }
    const { port, protocol } = parsePortArg(want);
    const key = `${port}/${protocol}`;
    const hits = lines.filter((l) => l.key === key);
    if (hits.length === 0) {
      throw new WharfError("not-found", `No public port '${key}' published for ${name}`, {
        hint: `see what it publishes: wharf port ${name}`,
      });
    }
    for (const l of hits) ctx.out(l.host);
    return 0;
  },
};

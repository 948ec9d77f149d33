import { WharfError } from "../../errors/index.js";
import { parseRestartPolicy, type UpdateOptions, updateContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import type { FlagSpec } from "../flags.js";
import { parseCpus, parseSizeFlag } from "../parse/bytes.js";
import { eachContainer, runtimeContext } from "./container-common.js";
import { resourceRunOptions, UPDATE_RESOURCE_FLAGS } from "./container-flags-resources.js";

const FLAGS: FlagSpec[] = [
  { name: "memory", short: "m", type: "string", valueName: "bytes", description: "Memory limit" },
  { name: "cpus", type: "string", valueName: "decimal", description: "Number of CPUs" },
  { name: "pids-limit", type: "int", description: "Tune container pids limit (set -1 for unlimited)" },
  { name: "restart", type: "string", description: "Restart policy to apply when a container exits" },
  ...UPDATE_RESOURCE_FLAGS,
];

export const command: Command = {
  path: ["update"],
  aliases: [["container", "update"]],
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  description: "Update configuration of one or more containers",
  flags: FLAGS.sort((a, b) => a.name.localeCompare(b.name)),
  minArgs: 1,
  async run(ctx, f) {
    const u: UpdateOptions = await resourceRunOptions(f);
    const memory = flag.string(f, "memory");
    const cpus = flag.string(f, "cpus");
    const pids = flag.int(f, "pids-limit");
    const restart = flag.string(f, "restart");
    if (memory !== undefined) u.memory = parseSizeFlag(memory, "-m, --memory");
    if (cpus !== undefined) {
      const n = parseCpus(cpus);
      if (!(n >= 0)) throw new WharfError("invalid-argument", `invalid argument "${cpus}" for "--cpus" flag`);
      u.cpus = n;
    }
    if (pids !== undefined) u.pidsLimit = pids;
    if (restart !== undefined) u.restart = parseRestartPolicy(restart);
    if (!FLAGS.some((s) => f.given.has(s.name))) {
      throw new WharfError("usage", "you must provide one or more flags when using this command", {
        hint: "wharf update --memory 64m --memory-swap 128m | --cpus 0.5 | --cpu-shares 512 | --restart always CONTAINER",
      });
    }
    const rt = runtimeContext(ctx);
    return eachContainer(ctx, f.args, async (name) => {
      await updateContainer(rt, name, u);
      ctx.out(name);
    });
  },
};

import { WharfError } from "../../errors/index.js";
import { type Command, flag } from "../command.js";
import { COMPOSE_FLAGS, projectNameOf } from "./compose-common.js";
import { INDEX_FLAG, runContainerVerb, serviceContainer } from "./compose-targets.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["compose", "attach"],
  usage: "[OPTIONS] SERVICE",
  description: "Attach local standard input, output, and error streams to a service's running container",
  flags: [
    ...COMPOSE_FLAGS,
    {
      name: "detach-keys",
      type: "string",
      description: "Override the key sequence for detaching from a container.",
    },
    INDEX_FLAG,
    { name: "no-stdin", type: "bool", description: "Do not attach STDIN" },
    {
      name: "sig-proxy",
      type: "bool",
      default: true,
      description: "Proxy all received signals to the process",
    },
  ],
  async run(ctx, f) {
    const [service] = f.args;
    if (f.args.length !== 1 || service === undefined) {
      throw new WharfError("usage", `"wharf compose attach" requires exactly 1 argument.`, {
        hint: "wharf compose attach [--index N] SERVICE",
      });
    }
    const { name } = projectNameOf(ctx, f);
    const rec = await serviceContainer(runtimeContext(ctx), name, service, flag.int(f, "index"));
    const keys = flag.string(f, "detach-keys");
    const argv = [
      ...(keys !== undefined ? [`--detach-keys=${keys}`] : []),
      ...(flag.bool(f, "no-stdin") ? ["--no-stdin"] : []),
      `--sig-proxy=${flag.bool(f, "sig-proxy")}`,
      rec.name,
    ];
    return runContainerVerb(ctx, () => import("./attach.js"), argv);
  },
};

import { WharfError } from "../../errors/index.js";
import { portLines } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { COMPOSE_FLAGS, projectNameOf } from "./compose-common.js";
import { INDEX_FLAG, serviceContainer } from "./compose-targets.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["compose", "port"],
  usage: "[OPTIONS] SERVICE PRIVATE_PORT",
  description: "Print the public port for a port binding",
  flags: [
    ...COMPOSE_FLAGS,
    INDEX_FLAG,
    { name: "protocol", type: "string", default: "tcp", description: "tcp or udp" },
  ],
  async run(ctx, f) {
    const [service, portArg] = f.args;
    if (f.args.length !== 2 || service === undefined || portArg === undefined) {
      throw new WharfError("usage", `"wharf compose port" requires exactly 2 arguments.`, {
        hint: "wharf compose port [--index N] [--protocol tcp|udp] SERVICE PRIVATE_PORT",
      });
    }
    const port = Number(portArg);
    if (!/^\d+$/.test(portArg) || port < 1 || port > 65535) {
      throw new WharfError("invalid-argument", `invalid port: ${portArg}`, {
        hint: "a port number, 1 to 65535",
      });
    }
    const protocol = flag.string(f, "protocol") ?? "tcp";
    const { name } = projectNameOf(ctx, f);
    const rec = await serviceContainer(runtimeContext(ctx), name, service, flag.int(f, "index"));
    const hit = portLines(rec).find((l) => l.key === `${port}/${protocol}`);
    if (!hit) {
      throw new WharfError("not-found", `no port ${port}/${protocol} for container ${rec.name}`, {
        hint: `the service publishes it with ports: ["HOST:${port}"]`,
      });
    }
    ctx.out(hit.host);
    return 0;
  },
};

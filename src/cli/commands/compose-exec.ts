import { containerName } from "../../compose/index.js";
import { WharfError } from "../../errors/index.js";
import { execInContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { reportError } from "../report.js";
import { COMPOSE_FLAGS, projectOf } from "./compose-common.js";
import { INDEX_FLAG, serviceContainer } from "./compose-targets.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["compose", "exec"],
  usage: "[OPTIONS] SERVICE COMMAND [ARGS...]",
  description: "Execute a command in a running container",
  flags: [
    ...COMPOSE_FLAGS,
    { name: "no-TTY", short: "T", type: "bool", description: "Disable pseudo-TTY allocation" },
    {
      name: "env",
      short: "e",
      type: "strings",
      valueName: "stringArray",
      description: "Set environment variables",
    },
    {
      name: "workdir",
      short: "w",
      type: "string",
      description: "Path to workdir directory for this command",
    },
    { name: "user", short: "u", type: "string", description: "Run the command as this user" },
    { name: "detach", short: "d", type: "bool", description: "Detached mode: Run command in the background" },
    INDEX_FLAG,
  ],
  interspersed: false,
  minArgs: 2,
  async run(ctx, f) {
    const [service = "", ...argv] = f.args;
    if (argv.length === 0)
      throw new WharfError("usage", "requires at least 2 arguments", {
        hint: "wharf compose exec SERVICE COMMAND",
      });
    const p = projectOf(ctx, f, [service]);
    const s = p.services.find((x) => x.name === service);
    if (!s)
      throw new WharfError("not-found", `service "${service}" is not running`, {
        hint: "wharf compose ps lists the running services",
      });
    // As Compose: a terminal when stdin is one, unless -T.
    const tty = !flag.bool(f, "no-TTY") && ctx.stdin.isTTY === true;
    const workdir = flag.string(f, "workdir");
    const user = flag.string(f, "user");
    try {
      const target = f.given.has("index")
        ? (await serviceContainer(runtimeContext(ctx), p.name, s.name, flag.int(f, "index"))).name
        : containerName(p, s);
      return await execInContainer(runtimeContext(ctx), target, {
        argv,
        env: flag.strings(f, "env"),
        tty,
        interactive: true,
        stdout: ctx.stdout,
        stderr: ctx.stderr,
        stdinIsTty: ctx.stdin.isTTY === true,
        detach: flag.bool(f, "detach"),
        ...(workdir !== undefined ? { workdir } : {}),
        ...(user !== undefined ? { user } : {}),
      });
    } catch (e) {
      const code = reportError(ctx, e);
      return code === 126 || code === 127 ? code : 1;
    }
  },
};

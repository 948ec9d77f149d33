import { WharfError } from "../../errors/index.js";
import { type Command, flag } from "../command.js";
import { COMPOSE_FLAGS, projectNameOf } from "./compose-common.js";
import { INDEX_FLAG, runContainerVerb, serviceContainer } from "./compose-targets.js";
import { runtimeContext } from "./container-common.js";
import { splitCpArg } from "./cp.js";

export const command: Command = {
  path: ["compose", "cp"],
  usage: "[OPTIONS] SERVICE:SRC_PATH DEST_PATH|-\n\twharf compose cp [OPTIONS] SRC_PATH|- SERVICE:DEST_PATH",
  description: "Copy files/folders between a service container and the local filesystem",
  flags: [
    ...COMPOSE_FLAGS,
    { name: "archive", short: "a", type: "bool", description: "Archive mode (copy all uid/gid information)" },
    { name: "follow-link", short: "L", type: "bool", description: "Always follow symbol link in SRC_PATH" },
    INDEX_FLAG,
  ],
  async run(ctx, f) {
    const [src = "", dst = ""] = f.args;
    if (f.args.length !== 2) {
      throw new WharfError("usage", `"wharf compose cp" requires exactly 2 arguments.`, {
        hint: "wharf compose cp SERVICE:SRC_PATH DEST_PATH, or SRC_PATH SERVICE:DEST_PATH",
      });
    }
    const a = splitCpArg(src);
    const b = splitCpArg(dst);
    if ((a.container === undefined) === (b.container === undefined)) {
      throw new WharfError(
        "invalid-argument",
        a.container === undefined
          ? "source or destination must be a service"
          : "copying between services is not supported",
        { hint: "name a service on one side: wharf compose cp web:/path ./here" },
      );
    }
    const { name } = projectNameOf(ctx, f);
    const service = (a.container ?? b.container) as string;
    const rec = await serviceContainer(runtimeContext(ctx), name, service, flag.int(f, "index"));
    const argv = [
      ...(flag.bool(f, "archive") ? ["--archive"] : []),
      ...(flag.bool(f, "follow-link") ? ["--follow-link"] : []),
      a.container !== undefined ? `${rec.name}:${a.path}` : src,
      b.container !== undefined ? `${rec.name}:${b.path}` : dst,
    ];
    return runContainerVerb(ctx, () => import("./cp.js"), argv);
  },
};

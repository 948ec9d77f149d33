import { WharfError } from "../../errors/index.js";
import { type Command, flag } from "../command.js";
import { COMPOSE_FLAGS } from "./compose-common.js";
import { runContainerVerb } from "./compose-targets.js";

/** `compose scale SERVICE=NUM...`: `up -d --scale` of those services (the others left as they are). */
export const command: Command = {
  path: ["compose", "scale"],
  usage: "[SERVICE=REPLICAS...]",
  description: "Scale services ",
  flags: [...COMPOSE_FLAGS, { name: "no-deps", type: "bool", description: "Don't start linked services" }],
  async run(ctx, f) {
    if (f.args.length === 0) {
      throw new WharfError("usage", `"wharf compose scale" requires at least 1 argument.`, {
        hint: "wharf compose scale web=3",
      });
    }
    const passed: string[] = [];
    for (const spec of COMPOSE_FLAGS) {
      const v = f.values[spec.name];
      if (!f.given.has(spec.name) || v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) passed.push(`--${spec.name}=${String(one)}`);
    }
    const services = f.args.map((a) => a.split("=")[0] ?? a);
    const argv = [
      ...passed,
      "-d",
      ...(flag.bool(f, "no-deps") ? ["--no-deps"] : []),
      ...f.args.map((a) => `--scale=${a}`),
      ...services,
    ];
    return runContainerVerb(ctx, () => import("./compose-up.js"), argv);
  },
};

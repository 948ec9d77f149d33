import { containerName, startOrder, withDependencies } from "../../compose/index.js";
import { WharfError } from "../../errors/index.js";
import { getContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import type { ParsedFlags } from "../flags.js";
import { withCancel } from "./compose-cancel.js";
import { COMPOSE_FLAGS, orphans, progress, projectOf } from "./compose-common.js";
import { ensureResources } from "./compose-resources.js";
import { serviceImage, serviceImageFor } from "./compose-service-image.js";
import { converge } from "./compose-up.js";
import { runtimeContext } from "./container-common.js";
import { imageForRun } from "./container-image.js";

const NO_FLAGS: ParsedFlags = { values: {}, given: new Set(), args: [] };

const PULL = ["always", "missing", "never", "build"];

export const command: Command = withCancel({
  path: ["compose", "create"],
  usage: "[OPTIONS] [SERVICE...]",
  description: "Creates containers for a service",
  flags: [
    ...COMPOSE_FLAGS,
    { name: "build", type: "bool", description: "Build images before starting containers" },
    { name: "no-build", type: "bool", description: "Don't build an image, even if it's policy" },
    {
      name: "pull",
      type: "string",
      default: "policy",
      description: 'Pull image before running ("always"|"missing"|"never"|"build")',
    },
    {
      name: "force-recreate",
      type: "bool",
      description: "Recreate containers even if their configuration and image haven't changed",
    },
    {
      name: "no-recreate",
      type: "bool",
      description: "If containers already exist, don't recreate them. Incompatible with --force-recreate.",
    },
    {
      name: "remove-orphans",
      type: "bool",
      description: "Remove containers for services not defined in the Compose file",
    },
  ],
  async run(ctx, f) {
    const build = flag.bool(f, "build");
    const noBuild = flag.bool(f, "no-build");
    const forceRecreate = flag.bool(f, "force-recreate");
    const noRecreate = flag.bool(f, "no-recreate");
    if (build && noBuild) throw incompatible("--build", "--no-build");
    if (forceRecreate && noRecreate) throw incompatible("--force-recreate", "--no-recreate");
    const pull = flag.string(f, "pull") ?? "policy";
    if (pull !== "policy" && !PULL.includes(pull)) {
      throw new WharfError("invalid-argument", `invalid --pull option ${JSON.stringify(pull)}`, {
        hint: "--pull always, missing, never or build",
      });
    }
    const p = projectOf(ctx, f);
    const rt = runtimeContext(ctx);
    const say = progress(ctx);
    const services = startOrder(withDependencies(p.services, f.args));
    await orphans(ctx, rt, p, flag.bool(f, "remove-orphans"), say);
    await ensureResources(rt, p, services, say);
    for (const s of services) {
      if (noRecreate && (await getContainer(rt, containerName(p, s)).catch(() => undefined))) continue;
      if (s.build && noBuild) {
        // The image must be there already (its own error when it is not): nothing is built.
        const image = await imageForRun(ctx, NO_FLAGS, serviceImage(p, s), "never");
        await image.close();
      }
      if (!s.build && pull === "always") {
        ctx.err(` ${s.name} Pulling`);
        await (await serviceImageFor(ctx, p, s, { pull: "always" })).close();
        ctx.err(` ${s.name} Pulled`);
      }
      await converge(
        ctx,
        rt,
        p,
        s,
        { build: build || (pull === "build" && s.build !== undefined), forceRecreate },
        say,
      );
    }
    return 0;
  },
});

function incompatible(a: string, b: string): WharfError {
  return new WharfError("invalid-argument", `${a} and ${b} are incompatible`, {
    hint: `give one of ${a} and ${b}`,
  });
}

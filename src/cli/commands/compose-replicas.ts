import type { Project, ServiceConfig } from "../../compose/index.js";
import { WharfError } from "../../errors/index.js";
import { type RuntimeContext, removeContainer, stopContainer } from "../../runtime/index.js";
import type { Context } from "../context.js";
import type { FlagSpec } from "../flags.js";
import { type progress, projectContainers } from "./compose-common.js";
import { stopWithHooks } from "./compose-hooks.js";
import { containerNumber } from "./compose-targets.js";

/** `up --scale SERVICE=NUM` (repeatable), as Compose's. */
export const SCALE_FLAG: FlagSpec = {
  name: "scale",
  type: "strings",
  valueName: "scale",
  description:
    "Scale SERVICE to NUM instances. Overrides the `scale` setting in the Compose file if present.",
};

/**
 * The replicas asked for, by service: `SERVICE=NUM` items (Compose's words for a service not in
 * the project, a bad number, or a `container_name` that cannot be shared by several).
 */
export function scaleOf(p: Project, specs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const name = eq < 0 ? spec : spec.slice(0, eq);
    const num = eq < 0 ? "" : spec.slice(eq + 1);
    if (!/^\d+$/.test(num)) {
      throw new WharfError(
        "invalid-argument",
        `invalid scale option ${JSON.stringify(spec)}: expected SERVICE=NUM`,
        {
          hint: "--scale web=3",
        },
      );
    }
    const s = p.services.find((x) => x.name === name);
    if (!s)
      throw new WharfError("not-found", `no such service: ${name}`, {
        hint: "wharf compose config --services",
      });
    const n = Number(num);
    if (n > 1 && s.container_name) {
      throw new WharfError(
        "invalid-argument",
        `services.${name}: can't set container_name and ${name} as container name must be unique: invalid compose project`,
        { hint: `remove container_name from ${name} to run several of it` },
      );
    }
    out[name] = n;
  }
  return out;
}

/**
 * How many containers a service runs: `--scale`, else the file's `scale:` or `deploy.replicas`
 * (Compose's refusal when they differ, or when a `container_name` would be shared), else 1.
 */
export function replicasOf(s: ServiceConfig, scale: Record<string, number>): number {
  const file = s.scale ?? s.deploy?.replicas;
  if (s.scale !== undefined && s.deploy?.replicas !== undefined && s.scale !== s.deploy.replicas) {
    throw new WharfError(
      "invalid-argument",
      `services.${s.name}: can't set distinct values on 'scale' and 'deploy.replicas': invalid compose project`,
      { hint: "give one of scale: and deploy.replicas:" },
    );
  }
  const n = scale[s.name] ?? file ?? 1;
  if (n > 1 && s.container_name) {
    throw new WharfError(
      "invalid-argument",
      `services.${s.name}: can't set container_name and ${s.name} as container name must be unique: invalid compose project`,
      { hint: `remove container_name from ${s.name} to run several of it` },
    );
  }
  return n;
}

/**
 * The service's containers numbered above `replicas`: stopped (a running one after its `pre_stop`
 * hooks, as Compose's scale down stops it) and removed, highest first (Compose's scale down).
 */
export async function scaleDown(
  ctx: Context,
  rt: RuntimeContext,
  project: string,
  s: ServiceConfig,
  replicas: number,
  say: ReturnType<typeof progress>,
  timeout?: number,
): Promise<void> {
  const extra = (await projectContainers(rt, project, { services: [s.name] }))
    .filter((c) => containerNumber(c) > replicas)
    .sort((a, b) => containerNumber(b) - containerNumber(a));
  for (const c of extra) {
    say("Container", c.name, "Stopping");
    if (c.state === "running") await stopWithHooks(ctx, rt, s, c.id, timeout);
    else await stopContainer(rt, c.id); // one that is restarting (its policy) stops too
    say("Container", c.name, "Stopped");
    say("Container", c.name, "Removing");
    await removeContainer(rt, c.id, { force: true });
    say("Container", c.name, "Removed");
  }
}

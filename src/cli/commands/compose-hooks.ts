/**
 * A service's lifecycle hooks (Compose 2.30's `post_start` and `pre_stop`): each hook's command
 * run in the container as `exec` runs one (its `user`, `privileged`, `working_dir`,
 * `environment`), in order, its output on ours. As Compose: `post_start` after the container has
 * started (a failing hook fails the start: `web hook exited with status 3`, the container left
 * running), `pre_stop` before `stop`/`down`/a recreate stops a running container (a failing hook
 * leaves it running, the verb fails).
 */
import type { ServiceConfig } from "../../compose/index.js";
import { WharfError } from "../../errors/index.js";
import { execInContainer, type RuntimeContext } from "../../runtime/index.js";
import type { Context } from "../context.js";

export async function runHooks(
  ctx: Context,
  rt: RuntimeContext,
  s: ServiceConfig | undefined,
  which: "post_start" | "pre_stop",
  container: string,
): Promise<void> {
  for (const h of s?.[which] ?? []) {
    const code = await execInContainer(rt, container, {
      argv: h.command,
      env: Object.entries(h.environment ?? {}).map(([k, v]) => `${k}=${v}`),
      ...(h.user !== undefined ? { user: h.user } : {}),
      ...(h.working_dir !== undefined ? { workdir: h.working_dir } : {}),
      ...(h.privileged ? { privileged: true } : {}),
      tty: false,
      interactive: false,
      stdout: ctx.stdout,
      stderr: ctx.stderr,
    });
    if (code !== 0)
      throw new WharfError("runtime", `${s?.name} hook exited with status ${code}`, {
        hint: `see the ${which} hook's output above; fix its command (${h.command.join(" ")})`,
      });
  }
}

/**
 * A service's lifecycle hooks (Compose 2.30's `post_start` and `pre_stop`): each hook's command
 * run in the container as `exec` runs one (its `user`, `privileged`, `working_dir`,
 * `environment`), in order, its output on ours. As Compose: `post_start` after the container has
 * started (a failing hook fails the start: `web hook exited with status 3`, the container left
 * running), `pre_stop` before a verb stops a running container (a failing hook leaves it running,
 * the verb fails). Which verbs run which: the README's Compose section.
 */
import { LABELS, type Project, type ServiceConfig } from "../../compose/index.js";
import { WharfError } from "../../errors/index.js";
import {
  type ContainerRecord,
  execInContainer,
  getContainer,
  type RuntimeContext,
  stopContainer,
} from "../../runtime/index.js";
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
    // Compose's error, and its status 1.
    if (code !== 0)
      throw new WharfError("conflict", `${s?.name} hook exited with status ${code}`, {
        hint: `see the ${which} hook's output above; fix its command (${h.command.join(" ")})`,
      });
  }
}

/**
 * Stops a running container as Compose's stop does: the service's `pre_stop` hooks first, then the
 * stop signal, the grace period (`timeout` seconds, else the container's `stop_grace_period`)
 * counted from the signal, so that a slow hook takes none of it. A failing hook throws, the
 * container left running.
 */
export async function stopWithHooks(
  ctx: Context,
  rt: RuntimeContext,
  s: ServiceConfig | undefined,
  container: string,
  timeout?: number,
): Promise<void> {
  await runHooks(ctx, rt, s, "pre_stop", container);
  await stopContainer(rt, container, timeout !== undefined ? { timeout } : {});
}

/**
 * Stops one of `up`'s containers when ^C or `--abort-on-container-exit` ends it, as Compose's stop
 * does: `Stopping`, the service's `pre_stop` hooks when it runs (`stopWithHooks`), the stop signal,
 * `Stopped`. A failing hook is printed (`Error: web hook exited with status 1`) and leaves the
 * container running: false then.
 */
export async function stopForUp(
  ctx: Context,
  rt: RuntimeContext,
  p: Project,
  c: ContainerRecord,
  timeout: number | undefined,
  say: (kind: string, name: string, status: string) => void,
): Promise<boolean> {
  say("Container", c.name, "Stopping");
  const svc = p.services.find((x) => x.name === c.options.labels?.[LABELS.service]);
  const now = await getContainer(rt, c.id).catch(() => undefined);
  if (now?.state === "running") {
    const hooked = await runHooks(ctx, rt, svc, "pre_stop", c.id).then(
      () => true,
      (e: unknown) => {
        ctx.err(`Error: ${(e as Error).message}`);
        return false;
      },
    );
    if (!hooked) return false;
  }
  await stopContainer(rt, c.id, timeout !== undefined ? { timeout } : {}).catch(() => undefined);
  say("Container", c.name, "Stopped");
  return true;
}

/**
 * `up`'s exit status after `--abort-on-container-exit` stopped the others, as Compose's: the
 * container's exit code when it is not 0, else 1 when a `pre_stop` hook failed (its error printed),
 * else 0.
 */
export function abortStatus(exitCode: number, hookFailed: boolean): number {
  return exitCode !== 0 ? exitCode : hookFailed ? 1 : 0;
}

/**
 * `run`'s outcome once the one-off container has ended, as Compose's: a non-zero exit code is the
 * status (a `post_start` hook's failure then is not reported); with 0, a failed hook is the error.
 */
export function oneOffStatus(exitCode: number, hookError: unknown): number {
  if (exitCode !== 0 || hookError === undefined) return exitCode;
  throw hookError;
}

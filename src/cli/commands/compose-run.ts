import { randomBytes } from "node:crypto";
import { serviceLabels, startOrder, withDependencies } from "../../compose/index.js";
import { WharfError } from "../../errors/index.js";
import { type ContainerRecord, createContainer, runForeground, startContainer } from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import { withCancel } from "./compose-cancel.js";
import { COMPOSE_FLAGS, progress, projectOf } from "./compose-common.js";
import { oneOffStatus, runHooks } from "./compose-hooks.js";
import { injectFiles, serviceRunOptions, withDaemonDefaults } from "./compose-options.js";
import { ensureResources } from "./compose-resources.js";
import { serviceImageFor } from "./compose-service-image.js";
import { converge, waitDependencies } from "./compose-up.js";
import { runFailure, runtimeContext } from "./container-common.js";

export const command: Command = withCancel({
  path: ["compose", "run"],
  usage: "[OPTIONS] SERVICE [COMMAND] [ARGS...]",
  description: "Run a one-off command on a service",
  flags: [
    ...COMPOSE_FLAGS,
    { name: "rm", type: "bool", description: "Automatically remove the container when it exits" },
    {
      name: "env",
      short: "e",
      type: "strings",
      valueName: "stringArray",
      description: "Set environment variables",
    },
    { name: "no-deps", type: "bool", description: "Don't start linked services" },
    {
      name: "no-TTY",
      short: "T",
      type: "bool",
      description: "Disable pseudo-TTY allocation (default: auto-detected)",
    },
  ],
  interspersed: false,
  minArgs: 1,
  async run(ctx, f) {
    const [service = "", ...args] = f.args;
    const p = projectOf(ctx, f, [service]);
    const s = p.services.find((x) => x.name === service);
    if (!s)
      throw new WharfError("not-found", `no such service: ${service}`, {
        hint: `the project's services: ${p.services.map((x) => x.name).join(", ")}`,
      });
    const rt = runtimeContext(ctx);
    const say = progress(ctx);
    const deps = flag.bool(f, "no-deps")
      ? []
      : startOrder(withDependencies(p.services, [service])).filter((x) => x.name !== service);
    await ensureResources(rt, p, [...deps, s], say);
    // The services it depends on, as `up -d` makes them.
    for (const d of deps) {
      const m = await converge(ctx, rt, p, d, { build: false, forceRecreate: false }, say);
      if (m.running) continue;
      await waitDependencies(rt, p, d, say);
      say("Container", m.rec.name, "Starting");
      await startContainer(rt, m.rec.id);
      await runHooks(ctx, rt, d, "post_start", m.rec.id);
      say("Container", m.rec.name, "Started");
    }
    if (deps.length > 0) await waitDependencies(rt, p, s, say);
    const name = `${p.name}-${s.name}-run-${randomBytes(6).toString("hex")}`;
    const image = await serviceImageFor(ctx, p, s);
    let outcome: { code: number; hookError: unknown };
    try {
      const tty = !flag.bool(f, "no-TTY") && ctx.stdin.isTTY === true && s.tty !== false;
      // A one-off container: no published ports (Compose's run without --service-ports), its own labels.
      const { publish: _p, ...base } = await withDaemonDefaults(
        serviceRunOptions(p, s, name, (w) => ctx.err(`WARN[0000] ${w}`)),
        p,
        s,
        ctx.env,
      );
      const rec = await createContainer(rt, {
        ...base,
        ...(args.length > 0 ? { args } : {}),
        env: [...(base.env ?? []), ...flag.strings(f, "env")],
        labels: serviceLabels(p, s, { oneoff: true }),
        tty,
        interactive: true,
        autoRemove: flag.bool(f, "rm"),
        name,
        image: image.name,
        imageId: image.id,
        imageConfig: image.config.config,
        rootfs: image.rootfs,
      });
      await injectFiles(rt, p, s, rec.id);
      // As Compose's run: the post_start hooks run in the one-off container once it has started,
      // while it runs (its output goes on); their outcome is taken when it has ended.
      let hooks: Promise<unknown> | undefined;
      const code = await runForeground(rt, rec, {
        stdout: ctx.stdout,
        stderr: ctx.stderr,
        stdinIsTty: ctx.stdin.isTTY === true,
        ...(s.post_start?.length
          ? {
              onStarted: (r: ContainerRecord) => {
                hooks = runHooks(ctx, rt, s, "post_start", r.id).then(
                  () => undefined,
                  (e: unknown) => e,
                );
              },
            }
          : {}),
      });
      outcome = { code, hookError: await hooks };
    } catch (e) {
      return runFailure(ctx, e);
    } finally {
      await image.close();
    }
    return oneOffStatus(outcome.code, outcome.hookError);
  },
});

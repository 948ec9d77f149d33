import { LABELS, type Project } from "../../compose/index.js";
import { isWharfError, WharfError } from "../../errors/index.js";
import {
  listNetworks,
  listVolumes,
  removeContainer,
  removeNetwork,
  removeVolume,
  stopContainer,
} from "../../runtime/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import { COMPOSE_FLAGS, progress, projectContainers, projectNameOf, projectOf } from "./compose-common.js";
import { runHooks } from "./compose-hooks.js";
import { serviceImage } from "./compose-service-image.js";
import { runtimeContext } from "./container-common.js";

export const command: Command = {
  path: ["compose", "down"],
  usage: "[OPTIONS]",
  description: "Stop and remove containers, networks",
  flags: [
    ...COMPOSE_FLAGS,
    {
      name: "volumes",
      short: "v",
      type: "bool",
      description:
        'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers',
    },
    { name: "timeout", short: "t", type: "int", description: "Specify a shutdown timeout in seconds" },
    {
      name: "rmi",
      type: "string",
      description:
        'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")',
    },
  ],
  maxArgs: 0,
  async run(ctx, f) {
    const rmi = flag.string(f, "rmi");
    if (rmi !== undefined && rmi !== "local" && rmi !== "all") {
      throw new WharfError("invalid-argument", `invalid value for --rmi: "${rmi}"`, {
        hint: "give --rmi local or --rmi all",
      });
    }
    // --rmi needs the services' images: the file is read then.
    const read = rmi ? projectOf(ctx, f) : undefined;
    const named = read ? { name: read.name, project: read } : projectNameOf(ctx, f);
    const { name, project } = named;
    const rt = runtimeContext(ctx);
    const say = progress(ctx);
    const timeout = flag.int(f, "timeout");
    const volumes = flag.bool(f, "volumes");
    // Dependents first: the reverse of the order they were made (newest first).
    const all = (await projectContainers(rt, name, { oneoff: true })).sort((a, b) =>
      b.created.localeCompare(a.created),
    );
    // With the file read, the containers of services no longer in it are orphans: left, with
    // Compose's warning, unless --remove-orphans (with -p alone, every container of the project goes).
    const known =
      project && !flag.bool(f, "remove-orphans") ? new Set(project.services.map((s) => s.name)) : undefined;
    const disabledNames = new Set((project?.disabled ?? []).map((s) => s.name));
    const isOrphan = (c: (typeof all)[0]) =>
      known !== undefined &&
      c.options.labels?.[LABELS.oneoff] !== "True" &&
      !known.has(c.options.labels?.[LABELS.service] ?? "") &&
      !disabledNames.has(c.options.labels?.[LABELS.service] ?? "");
    // A service whose profiles are not active is neither taken down nor an orphan (as Compose).
    const isDisabled = (c: (typeof all)[0]) =>
      c.options.labels?.[LABELS.oneoff] !== "True" &&
      disabledNames.has(c.options.labels?.[LABELS.service] ?? "");
    const containers = all.filter((c) => !isOrphan(c) && !isDisabled(c));
    const left = all.filter(isOrphan);
    if (left.length > 0) {
      ctx.err(
        `WARN[0000] Found orphan containers ([${left.map((c) => c.name).join(" ")}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`,
      );
    }
    for (const c of containers) {
      if (c.state === "running") {
        say("Container", c.name, "Stopping");
        const svc = project?.services.find((x) => x.name === c.options.labels?.[LABELS.service]);
        if (c.options.labels?.[LABELS.oneoff] !== "True") await runHooks(ctx, rt, svc, "pre_stop", c.id);
        await stopContainer(rt, c.id, timeout !== undefined ? { timeout } : {});
        say("Container", c.name, "Stopped");
      }
      say("Container", c.name, "Removing");
      await removeContainer(rt, c.id, { force: true, volumes });
      say("Container", c.name, "Removed");
    }
    if (volumes) {
      for (const v of await listVolumes(rt)) {
        if (v.Labels?.[LABELS.project] !== name) continue;
        say("Volume", v.Name, "Removing");
        await removeVolume(rt, v.Name);
        say("Volume", v.Name, "Removed");
      }
    }
    if (rmi && project) await removeImages(ctx, project, rmi, say);
    for (const n of await listNetworks(rt)) {
      if (n.Labels?.[LABELS.project] !== name) continue;
      say("Network", n.Name, "Removing");
      try {
        await removeNetwork(rt, n.Id);
      } catch {
        // Still joined by a container the project left (an orphan, another project's): kept, as Compose.
        say("Network", n.Name, "Resource is still in use");
        continue;
      }
      say("Network", n.Name, "Removed");
    }
    return 0;
  },
};

/** `--rmi local`: the images built for services without an `image:` name; `all`: every service's image. */
async function removeImages(
  ctx: Context,
  p: Project,
  mode: string,
  say: ReturnType<typeof progress>,
): Promise<void> {
  const { openImages, removeImage } = await import("../../images/index.js");
  const names = new Set(p.services.filter((s) => mode === "all" || !s.image).map((s) => serviceImage(p, s)));
  const images = await openImages(ctx.root);
  try {
    for (const n of names) {
      say("Image", n, "Removing");
      try {
        await removeImage(images, n);
      } catch (e) {
        if (isWharfError(e, "image-not-found")) continue;
        throw e;
      }
      say("Image", n, "Removed");
    }
  } finally {
    await images.close();
  }
}

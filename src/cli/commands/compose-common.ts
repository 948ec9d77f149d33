import { LABELS, loadProject, type Project } from "../../compose/index.js";
import { type ContainerRecord, listContainers, type RuntimeContext } from "../../runtime/index.js";
import { flag } from "../command.js";
import type { Context } from "../context.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";

/** `docker compose`'s own options, taken before the verb (`compose -f x up`) or after it. */
export const COMPOSE_FLAGS: FlagSpec[] = [
  {
    name: "file",
    short: "f",
    type: "strings",
    valueName: "stringArray",
    description: "Compose configuration files",
  },
  { name: "project-name", short: "p", type: "string", description: "Project name" },
  { name: "project-directory", type: "string", description: "Specify an alternate working directory" },
  {
    name: "profile",
    type: "strings",
    valueName: "stringArray",
    description: "Specify a profile to enable",
  },
];

/**
 * The project the flags name, its warnings printed as Compose prints them; only the services its
 * profiles (`--profile`, else `COMPOSE_PROFILES`) enable, and those `named` on the command line.
 */
export function projectOf(ctx: Context, f: ParsedFlags, named: readonly string[] = []): Project {
  const files = flag.strings(f, "file");
  const envFiles = ctx.env.COMPOSE_FILE ? ctx.env.COMPOSE_FILE.split(":").filter(Boolean) : [];
  const name = flag.string(f, "project-name");
  const dir = flag.string(f, "project-directory");
  const profiles = flag.strings(f, "profile");
  const p = loadProject({
    ...(profiles.length > 0 ? { profiles } : {}),
    services: [...named],
    files: files.length > 0 ? files : envFiles,
    ...(name ? { projectName: name } : {}),
    ...(dir ? { projectDirectory: dir } : {}),
    cwd: process.cwd(),
    env: ctx.env,
  });
  for (const w of p.warnings) ctx.err(`WARN[0000] ${w}`);
  return p;
}

/**
 * The project's name without loading its file when `-p` names it (`down`, `ps`, `logs` of a project
 * whose file is gone); else from the file.
 */
export function projectNameOf(ctx: Context, f: ParsedFlags): { name: string; project?: Project } {
  const name = flag.string(f, "project-name");
  if (name && flag.strings(f, "file").length === 0) return { name };
  const project = projectOf(ctx, f);
  return { name: project.name, project };
}

/** The project's containers (one-off ones too when asked), by service then number. */
export async function projectContainers(
  rt: RuntimeContext,
  project: string,
  opts: { services?: readonly string[]; oneoff?: boolean } = {},
): Promise<ContainerRecord[]> {
  const all = await listContainers(rt);
  return all
    .filter((c) => c.options.labels?.[LABELS.project] === project)
    .filter((c) => opts.oneoff || c.options.labels?.[LABELS.oneoff] !== "True")
    .filter((c) => !opts.services?.length || opts.services.includes(c.options.labels?.[LABELS.service] ?? ""))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The name Compose prints for a container in log prefixes: `<service>-<n>` (or its own name). */
export function shortName(c: ContainerRecord): string {
  const l = c.options.labels ?? {};
  const project = l[LABELS.project];
  return project && c.name.startsWith(`${project}-`) ? c.name.slice(project.length + 1) : c.name;
}

/**
 * Compose's progress lines: ` \u2714 Container x  Started` on a terminal, ` Container x  Started`
 * otherwise (its plain progress).
 */
export function progress(ctx: Context): (kind: string, name: string, status: string) => void {
  const tty = ctx.stderr.isTTY === true;
  return (kind, name, status) => {
    const done = /ed$|^Running$|^Healthy$|^Exited$/.test(status);
    ctx.err(tty && done ? ` \u2714 ${kind} ${name}  ${status}` : ` ${kind} ${name}  ${status}`);
  };
}

/**
 * Containers of the project whose service is no longer in its file: warned about as Compose warns,
 * or removed (`--remove-orphans`).
 */
export async function orphans(
  ctx: Context,
  rt: RuntimeContext,
  p: Project,
  remove: boolean,
  say: ReturnType<typeof progress>,
): Promise<void> {
  // Services whose profiles are not active are not orphans (as Compose).
  const services = new Set([...p.services, ...(p.disabled ?? [])].map((s) => s.name));
  const left = (await projectContainers(rt, p.name)).filter(
    (c) => !services.has(c.options.labels?.[LABELS.service] ?? ""),
  );
  if (left.length === 0) return;
  if (!remove) {
    ctx.err(
      `WARN[0000] Found orphan containers ([${left.map((c) => c.name).join(" ")}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`,
    );
    return;
  }
  const { removeContainer } = await import("../../runtime/index.js");
  for (const c of left) {
    say("Container", c.name, "Removing");
    await removeContainer(rt, c.id, { force: true });
    say("Container", c.name, "Removed");
  }
}

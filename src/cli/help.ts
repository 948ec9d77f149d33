import type { Command } from "./command.js";
import { formatFlagHelp } from "./flags.js";
import { COMMANDS, type Entry, findEntry } from "./table.js";

const GLOBAL = [
  "      --root string        Root of wharf's local state (default $WHARF_ROOT, /var/lib/wharf as root)",
  '      --config string      Location of client config files (default "~/.docker", $DOCKER_CONFIG)',
  '  -c, --context string     Name of the context to use (wharf has one: "default")',
  "  -D, --debug              Enable debug output (stack traces on errors)",
  "  -H, --host list          Daemon socket: only unix:// sockets are taken (wharf has no daemon)",
  '  -l, --log-level string   Set the logging level ("debug", "info", "warn", "error", "fatal")',
  "      --tls, --tlsverify, --tlscacert, --tlscert, --tlskey   Taken for a TCP daemon, which wharf has not",
  "  -v, --version            Print version information and quit",
];

function listed(entries: { path: string[]; description: string }[], drop = 0): string[] {
  const rows = entries.map((e) => [e.path.slice(drop).join(" "), e.description] as const);
  const width = Math.max(0, ...rows.map(([n]) => n.length));
  return rows.map(([n, d]) => `  ${n.padEnd(width)}  ${d}`);
}

/** Every way an entry is named: its path, then its aliases. */
function names(e: Entry): string[][] {
  return [e.path, ...(e.aliases ?? [])];
}

/** The management groups (`image`, `container`, `registry`), named by a path or by an alias. */
export function groupNames(): string[] {
  const groups = COMMANDS.flatMap((e) =>
    names(e)
      .filter((n) => n.length > 1)
      .map((n) => n[0] as string),
  );
  return [...new Set(groups)];
}

/**
 * A group's sub-verbs, each once under its first name in the group (`image ls` for `images`, not
 * also `image list`), sorted like Docker's help.
 */
export function groupEntries(group: string): { path: string[]; description: string }[] {
  const rows = COMMANDS.flatMap((e) => {
    // Two words (`image ls`), or three for a sub-group's verb (`trust key generate`).
    const name = names(e).find((n) => n.length >= 2 && n[0] === group);
    return name ? [{ path: name, description: e.description }] : [];
  });
  return rows.sort((a, b) => a.path.slice(1).join(" ").localeCompare(b.path.slice(1).join(" ")));
}

/** A management group's one line: `Manage images`. */
function groupDescription(group: string): string {
  if (group === "trust") return "Manage trust on images";
  if (group === "manifest") return "Manage Docker image manifests and manifest lists";
  if (group === "builder") return "Manage builds";
  if (group === "compose") return "Docker Compose (one project: up, down, ps, logs, config, ...)";
  if (group === "buildx") return "Docker Buildx (wharf's one builder; imagetools: images in a registry)";
  return `Manage ${group === "registry" ? "the registry" : `${group}s`}`;
}

export function mainHelp(): string {
  const groups = groupNames();
  // A group may have an entry of its own (`compose`, which reads Compose's options before its verb):
  // listed once, with the groups.
  const top = COMMANDS.filter((e) => e.path.length === 1 && !groups.includes(e.path[0] as string));
  return [
    "",
    "Usage:  wharf [OPTIONS] COMMAND",
    "",
    "A daemonless, Docker-compatible container image toolchain and OCI registry",
    "",
    "Commands:",
    ...listed(top),
    "",
    "Management Commands:",
    ...listed(groups.map((g) => ({ path: [g], description: groupDescription(g) }))),
    "",
    "Global Options:",
    ...GLOBAL,
    "",
    "Run 'wharf COMMAND --help' for more information on a command.",
    "",
  ].join("\n");
}

export function groupHelp(group: string): string {
  return [
    "",
    `Usage:  wharf ${group} COMMAND`,
    "",
    groupDescription(group),
    "",
    "Commands:",
    ...listed(groupEntries(group), 1),
    "",
    `Run 'wharf ${group} COMMAND --help' for more information on a command.`,
    "",
  ].join("\n");
}

/** The verbs of a sub-group (`buildx imagetools`, `trust key`); empty when `sub` is none. */
export function subgroupEntries(group: string, sub: string): { path: string[]; description: string }[] {
  return groupEntries(group).filter((e) => e.path.length === 3 && e.path[1] === sub);
}

/** A sub-group's help, as Docker prints `docker buildx imagetools`. */
export function subgroupHelp(group: string, sub: string): string {
  return [
    "",
    `Usage:  wharf ${group} ${sub} COMMAND`,
    "",
    "Commands:",
    ...listed(subgroupEntries(group, sub), 2),
    "",
    `Run 'wharf ${group} ${sub} COMMAND --help' for more information on a command.`,
    "",
  ].join("\n");
}

export function commandHelp(cmd: Command): string {
  const aliases = (cmd.aliases ?? []).map((a) => `wharf ${a.join(" ")}`);
  return [
    "",
    `Usage:  wharf ${cmd.path.join(" ")} ${cmd.usage}`,
    "",
    cmd.description,
    ...(aliases.length
      ? ["", "Aliases:", `  ${[`wharf ${cmd.path.join(" ")}`, ...aliases].join(", ")}`]
      : []),
    ...(cmd.flags.some((f) => !f.hidden) ? ["", "Options:", ...formatFlagHelp(cmd.flags)] : []),
    ...(cmd.helpFooter ? ["", cmd.helpFooter()] : []),
    "",
  ].join("\n");
}

const HELP_HELP = ["", "Usage:  wharf help [COMMAND]", "", "Help about the command", ""].join("\n");

/**
 * `wharf help [COMMAND]`, as `docker help`: the main help, a verb's (`help run`, `help image ls`)
 * or a group's (`help image`); undefined for a topic that names none of them.
 */
export async function helpTopic(words: readonly string[]): Promise<string | undefined> {
  if (words.length === 0) return mainHelp();
  if (words.length === 1 && words[0] === "help") return HELP_HELP;
  const found = findEntry(words);
  if (found && found.used === words.length) return commandHelp((await found.entry.load()).command);
  if (words.length === 1 && groupNames().includes(words[0] as string)) return groupHelp(words[0] as string);
  return undefined;
}

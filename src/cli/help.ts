import type { Command } from "./command.js";
import { formatFlagHelp } from "./flags.js";
import { COMMANDS, groupMembers } from "./table.js";

const GLOBAL = [
  "      --root string    Root of wharf's local state (default $WHARF_ROOT, /var/lib/wharf as root)",
  "  -D, --debug          Enable debug output (stack traces on errors)",
  "  -v, --version        Print version information and quit",
];

function listed(entries: { path: string[]; description: string }[], drop = 0): string[] {
  const rows = entries.map((e) => [e.path.slice(drop).join(" "), e.description] as const);
  const width = Math.max(0, ...rows.map(([n]) => n.length));
  return rows.map(([n, d]) => `  ${n.padEnd(width)}  ${d}`);
}

export function mainHelp(): string {
  const top = COMMANDS.filter((e) => e.path.length === 1);
  const groups = [...new Set(COMMANDS.filter((e) => e.path.length > 1).map((e) => e.path[0] as string))];
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
    ...listed(
      groups.map((g) => ({
        path: [g],
        description: `Manage ${g === "registry" ? "the registry" : `${g}s`}`,
      })),
    ),
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
    "Commands:",
    ...listed(groupMembers(group), 1),
    "",
    `Run 'wharf ${group} COMMAND --help' for more information on a command.`,
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
    "",
  ].join("\n");
}

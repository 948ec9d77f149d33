import type { Command } from "./command.js";

/**
 * Every verb, by the words that name it. Modules load lazily so that a verb pays only for what it
 * uses at start-up. Add a row per verb file under `commands/`.
 */
export interface Entry {
  path: string[];
  aliases?: string[][];
  description: string;
  load: () => Promise<{ command: Command }>;
}

export const COMMANDS: Entry[] = [
  {
    path: ["version"],
    description: "Show the wharf version information",
    load: () => import("./commands/version.js"),
  },
  {
    path: ["login"],
    description: "Authenticate to a registry",
    load: () => import("./commands/login.js"),
  },
  {
    path: ["logout"],
    description: "Log out from a registry",
    load: () => import("./commands/logout.js"),
  },
];

/** Finds the entry whose words (or an alias's) are the longest prefix of `words`. */
export function findEntry(words: readonly string[]): { entry: Entry; used: number } | undefined {
  let best: { entry: Entry; used: number } | undefined;
  for (const entry of COMMANDS) {
    for (const path of [entry.path, ...(entry.aliases ?? [])]) {
      if (path.length <= words.length && path.every((w, i) => words[i] === w)) {
        if (!best || path.length > best.used) best = { entry, used: path.length };
      }
    }
  }
  return best;
}

/** The management groups (`image`, `container`, `registry`) and their sub-verbs, for help. */
export function groupMembers(group: string): Entry[] {
  return COMMANDS.filter((e) => e.path.length > 1 && e.path[0] === group);
}

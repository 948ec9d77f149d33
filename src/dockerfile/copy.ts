import { bareError } from "./errors.js";
import { parseFlags } from "./flags.js";
import { chompHeredoc, parseHeredocWord } from "./heredoc.js";
import type { AddInstruction, ChmodSpec, CopyInstruction, Heredoc, InlineFile } from "./types.js";
import { parseJsonArray, splitWhitespace } from "./words.js";

const SYMBOLIC = /^[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+(?:,[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+)*$/;

/** `--chmod=`: octal (`0755`) or, as Dockerfile 1.14 allows, symbolic (`u+x,go-w`). */
export function parseChmod(v: string): ChmodSpec {
  if (/^[0-7]+$/.test(v)) {
    const octal = Number.parseInt(v, 8);
    if (octal <= 0o7777) return { octal };
  }
  if (SYMBOLIC.test(v)) return { symbolic: v };
  throw bareError(
    `invalid chmod value ${JSON.stringify(v)}`,
    "use an octal mode such as 0755 or a symbolic one such as u+x",
  );
}

type Parsed<T> = Omit<T, "kind" | "location" | "original">;

/** Sources and destination, heredoc sources turned into inline files (BuildKit's parseSourcesAndDest). */
function sourcesAndDest(
  instruction: "COPY" | "ADD",
  rest: string,
  heredocs: Heredoc[],
): { sources: string[]; files: InlineFile[]; dest: string } {
  const args = parseJsonArray(rest) ?? splitWhitespace(rest);
  if (args.length < 2) {
    throw bareError(
      `${instruction} requires at least two arguments, but only one was provided. Destination could not be determined`,
      `write ${instruction} SOURCE... DEST`,
    );
  }
  const dest = args[args.length - 1] as string;
  if (parseHeredocWord(dest)) throw bareError(`${instruction} cannot accept a heredoc as a destination`);
  const sources: string[] = [];
  const files: InlineFile[] = [];
  for (const src of args.slice(0, -1)) {
    const word = parseHeredocWord(src);
    if (!word) {
      sources.push(src);
      continue;
    }
    const body = heredocs.find((h) => h.name === word.name)?.content ?? "";
    files.push({ name: word.name, content: word.chomp ? chompHeredoc(body) : body, expand: word.expand });
  }
  return { sources, files, dest };
}

function checkChmod(v: string | undefined): void {
  if (v !== undefined && !v.includes("$")) parseChmod(v);
}

export function parseCopy(rest: string, flagWords: string[], heredocs: Heredoc[]): Parsed<CopyInstruction> {
  const flags = parseFlags("COPY", flagWords, {
    from: "string",
    chown: "string",
    chmod: "string",
    link: "bool",
    parents: "bool",
    exclude: "strings",
  });
  const from = flags.string("from");
  if (from !== undefined && /\$./.test(from)) {
    throw bareError(
      "COPY --from doesn't support variable expansion, define alias stage instead",
      "add `FROM $VAR AS alias` before this stage and write COPY --from=alias",
    );
  }
  checkChmod(flags.string("chmod"));
  return {
    ...sourcesAndDest("COPY", rest, heredocs),
    from,
    chown: flags.string("chown"),
    chmod: flags.string("chmod"),
    link: flags.bool("link"),
    parents: flags.bool("parents"),
    excludes: flags.strings("exclude"),
  };
}

export function parseAdd(rest: string, flagWords: string[], heredocs: Heredoc[]): Parsed<AddInstruction> {
  const flags = parseFlags("ADD", flagWords, {
    chown: "string",
    chmod: "string",
    link: "bool",
    "keep-git-dir": "bool",
    checksum: "string",
    exclude: "strings",
  });
  checkChmod(flags.string("chmod"));
  return {
    ...sourcesAndDest("ADD", rest, heredocs),
    chown: flags.string("chown"),
    chmod: flags.string("chmod"),
    link: flags.bool("link"),
    keepGitDir: flags.bool("keep-git-dir"),
    checksum: flags.string("checksum"),
    excludes: flags.strings("exclude"),
  };
}

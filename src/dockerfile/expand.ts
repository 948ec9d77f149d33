import { parseChmod } from "./copy.js";
import { at, bareError } from "./errors.js";
import { type Lookup, processWord, processWords } from "./lexer.js";
import { parseMount, readCsvRecord } from "./mounts.js";
import type { Instruction } from "./types.js";

export interface ExpandOptions {
  /** The Dockerfile's escape character (`Dockerfile.escape`); `\` by default. */
  escape?: "\\" | "`";
}

/**
 * One word expanded as BuildKit expands an instruction's argument: quotes removed, `$VAR` and the
 * `${...}` forms replaced, spaces kept (the result is one value, never split).
 */
export function expandWord(word: string, lookup: Lookup, opts: ExpandOptions = {}): string {
  return processWord(word, lookup, { escape: opts.escape ?? "\\" });
}

/** One word expanded and split into words as BuildKit's ProcessWords splits (variables' values split on spaces). */
export function expandWords(word: string, lookup: Lookup, opts: ExpandOptions = {}): string[] {
  return processWords(word, lookup, { escape: opts.escape ?? "\\" });
}

/**
 * An instruction's text as BuildKit names its step (`processCmdEnv`): variables replaced; for RUN
 * (`run`) quotes kept and unset variables left as written (its lexer's RawQuotes and
 * SkipUnsetEnv); the text as it was when it does not lex.
 */
export function expandForDisplay(
  text: string,
  lookup: Lookup,
  opts: ExpandOptions & { run?: boolean } = {},
): string {
  try {
    return processWord(text, lookup, {
      escape: opts.escape ?? "\\",
      ...(opts.run ? { rawQuotes: true, skipUnsetEnv: true } : {}),
    });
  } catch {
    return text;
  }
}

/** A heredoc body with expansion on: only `$` forms and `\` escapes are processed; quotes stay. */
export function expandHeredoc(content: string, lookup: Lookup): string {
  return processWord(content, lookup, { skipProcessQuotes: true });
}

/** `EXPOSE` words: `80`, `80/tcp`, `8000-8010/udp` → the image config's port keys (`80/tcp`...). */
export function exposedPorts(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  const start = Number(m?.[1]);
  const end = m?.[2] === undefined ? start : Number(m[2]);
  if (!m || start > 65535 || end > 65535 || end < start) {
    throw bareError(
      `invalid containerPort: ${spec}`,
      "write EXPOSE PORT[/tcp|/udp|/sctp] or START-END[/PROTO]",
    );
  }
  const proto = (m[3] ?? "tcp").toLowerCase();
  return Array.from({ length: end - start + 1 }, (_, i) => `${start + i}/${proto}`);
}

type Word = (w: string) => string;

/**
 * The expansion table (README): which words of which instruction BuildKit expands. `check` only
 * runs the lexer over them (syntax), without the checks that need real values.
 */
function transform<T extends Instruction>(inst: T, w: Word, raw: Word, check: boolean): T {
  const i: Instruction = inst;
  const opt = (v: string | undefined): string | undefined => (v === undefined ? undefined : w(v));
  switch (i.kind) {
    case "FROM":
      return { ...i, image: w(i.image), platform: opt(i.platform) } as T;
    case "ENV":
    case "LABEL":
      return { ...i, pairs: i.pairs.map((p) => ({ key: w(p.key), value: w(p.value) })) } as T;
    case "ARG":
      if (check) for (const a of i.args) opt(a.default);
      return inst;
    case "WORKDIR":
      return { ...i, path: w(i.path) } as T;
    case "USER":
      return { ...i, user: w(i.user) } as T;
    case "STOPSIGNAL":
      return { ...i, signal: w(i.signal) } as T;
    case "EXPOSE": {
      const ports = i.ports.map(w);
      if (!check) for (const p of ports) exposedPorts(p);
      return { ...i, ports } as T;
    }
    case "VOLUME": {
      const paths = i.paths.map(w);
      if (!check && paths.includes("")) throw bareError("VOLUME specified can not be an empty string");
      return { ...i, paths } as T;
    }
    case "COPY":
    case "ADD": {
      const chmod = opt(i.chmod);
      if (!check && chmod !== undefined) parseChmod(chmod);
      const files = i.files.map((f) => (f.expand ? { ...f, content: raw(f.content) } : f));
      const common = { sources: i.sources.map(w), dest: w(i.dest), chown: opt(i.chown), chmod, files };
      return (i.kind === "ADD" ? { ...i, ...common, checksum: opt(i.checksum) } : { ...i, ...common }) as T;
    }
    case "RUN": {
      if (check) {
        for (const spec of i.mountSpecs) {
          for (const field of readCsvRecord(spec))
            if (field.includes("=")) w(field.slice(field.indexOf("=") + 1));
        }
        return inst;
      }
      return { ...i, mounts: i.mountSpecs.map((spec) => parseMount(spec, w)) } as T;
    }
    case "ONBUILD":
      if (check) transform(i.trigger, w, raw, check);
      return inst;
    default:
      return inst;
  }
}

/**
 * An instruction with every word BuildKit expands replaced by its value, looked up in `lookup` (the
 * stage's ENV and declared ARGs as they stand before this instruction; for FROM, the global ARGs).
 * Words BuildKit does not expand (RUN/CMD/ENTRYPOINT commands, SHELL, HEALTHCHECK, ONBUILD,
 * MAINTAINER, COPY --from, --exclude) are returned as written. ARG defaults are expanded when the
 * ARG is declared (`ArgScope.declare`), so an ARG comes back unchanged. Errors name file and line.
 */
export function expandInstruction<T extends Instruction>(
  inst: T,
  lookup: Lookup,
  opts: ExpandOptions = {},
): T {
  const esc = opts.escape ?? "\\";
  return at(inst.location, () =>
    transform(
      inst,
      (v) => processWord(v, lookup, { escape: esc }),
      (v) => expandHeredoc(v, lookup),
      false,
    ),
  );
}

const placeholder: Lookup = () => "x";

/** Runs the lexer over every expandable word, so that a syntax error is reported before building. */
export function checkExpansionSyntax(inst: Instruction, esc: "\\" | "`"): void {
  at(inst.location, () =>
    transform(
      inst,
      (v) => processWord(v, placeholder, { escape: esc }),
      (v) => expandHeredoc(v, placeholder),
      true,
    ),
  );
}

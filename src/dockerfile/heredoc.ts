import { processWords } from "./lexer.js";
import type { Heredoc, RunInstruction } from "./types.js";

const HEREDOC = /^(\d*)<<(-?)([^<]*)$/;
const none = (): undefined => undefined;

export type HeredocWord = Omit<Heredoc, "content">;

/**
 * A heredoc word (`<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<'EOF'`) as BuildKit's ParseHeredoc reads it, or
 * undefined when the word is no heredoc. A delimiter with any quoted part turns expansion off.
 */
export function parseHeredocWord(src: string): HeredocWord | undefined {
  const m = HEREDOC.exec(src);
  if (!m) return undefined;
  const rest = m[3] as string;
  if (rest === "") return undefined;
  const words = processWords(rest, none, { skipUnsetEnv: true });
  if (words.length !== 1) return undefined;
  const raw = processWords(rest, none, { skipUnsetEnv: true, rawQuotes: true });
  const name = words[0] as string;
  const quotes = (s: string): number => s.split(/['"]/).length - 1;
  return {
    name,
    expand: quotes(name) === quotes(raw[0] ?? ""),
    chomp: m[2] === "-",
    fd: m[1] ? Number.parseInt(m[1], 10) : 0,
  };
}

/** The heredocs an instruction line opens, in order (BuildKit's heredocsFromLine). */
export function heredocsFromLine(line: string): HeredocWord[] {
  let words: string[];
  try {
    words = processWords(line, none, { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true });
  } catch {
    return [];
  }
  return words.flatMap((w) => {
    const h = parseHeredocWord(w);
    return h ? [h] : [];
  });
}

/** `<<-` removes the leading tabs of every line. */
export function chompHeredoc(content: string): string {
  return content.replace(/^\t+/gm, "");
}

/** What a RUN with heredocs hands to the runtime, as BuildKit's dispatchRun decides. */
export type RunHeredocPlan =
  /** `RUN <<EOF` whose body starts with `#!`: the body becomes a file (mode 0755) that is executed. */
  | { kind: "file"; name: string; content: string }
  /** Any other heredoc RUN: one script for the shell (the bare body, or line and bodies joined). */
  | { kind: "script"; script: string };

/**
 * For a shell-form RUN with heredocs: a lone `<<EOF` runs its body (as a file when it starts with a
 * shebang, else as the shell's script); otherwise the line and its bodies are joined for the shell,
 * which reads the heredocs itself. Undefined for a RUN without heredocs.
 */
export function runHeredocPlan(run: RunInstruction): RunHeredocPlan | undefined {
  const first = run.heredocs[0];
  if (first === undefined || run.command.form !== "shell") return undefined;
  const script = run.command.script;
  if (parseHeredocWord(script) !== undefined) {
    const content = first.chomp ? chompHeredoc(first.content) : first.content;
    if (first.content.startsWith("#!")) return { kind: "file", name: first.name, content };
    return { kind: "script", script: content };
  }
  let full = script;
  for (const h of run.heredocs) full += `\n${h.content}${h.name}`;
  return { kind: "script", script: full };
}

import { dockerfileError } from "./errors.js";

/**
 * The Dockerfile as lines, read the way BuildKit's parser reads them: parser directives only at the
 * very top, whole-line comments, continuation lines (the escape character at the end of a line, even
 * before trailing spaces), comments and empty lines inside continuations, heredoc bodies.
 */

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const KNOWN_DIRECTIVES = new Set(["syntax", "escape", "check"]);

export interface LogicalLine {
  /** The instruction text, continuations joined (the escape character and line breaks removed). */
  text: string;
  startLine: number;
  endLine: number;
  emptyContinuation: boolean;
}

export interface LineReader {
  file: string;
  escape: "\\" | "`";
  directives: Record<string, string>;
  /** The next instruction's line, or undefined at the end of the file. */
  next(): LogicalLine | undefined;
  /** Reads a heredoc body up to its terminator line; `startLine` locates an unterminated one. */
  heredoc(name: string, chomp: boolean, startLine: number): string;
  /** The number of the last line read. */
  line(): number;
}

const trimNewline = (s: string): string => s.replace(/[\r\n]+$/, "");
const trimLeft = (s: string): string => s.replace(/^\s+/u, "");
const isComment = (raw: string): boolean => trimLeft(raw).startsWith("#");

export function createLineReader(text: string, file: string): LineReader {
  const lines = text.replace(/^\uFEFF/, "").split(/(?<=\n)/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  let i = 0;
  let current = 0;
  let directivesDone = false;
  let esc: "\\" | "`" = "\\";
  let continuation = continuationRegex(esc);
  const directives: Record<string, string> = {};

  function directive(line: string, lineNo: number): void {
    if (directivesDone) return;
    const m = DIRECTIVE.exec(line);
    const key = m?.[1]?.toLowerCase();
    if (!m || key === undefined || !KNOWN_DIRECTIVES.has(key)) {
      directivesDone = true;
      return;
    }
    const loc = { file, startLine: lineNo };
    if (key in directives) throw dockerfileError(loc, `only one ${key} parser directive can be used`);
    const value = m[2] as string;
    if (key === "escape") {
      if (value !== "\\" && value !== "`") {
        throw dockerfileError(loc, `invalid escape token '${value}' does not match \` or \\`);
      }
      esc = value;
      continuation = continuationRegex(esc);
    }
    directives[key] = value;
  }

  /** A line without its newline, left-trimmed on an instruction's first line, "" for a comment. */
  function process(raw: string, lineNo: number, stripLeft: boolean): string {
    let line = trimNewline(raw);
    if (stripLeft) line = trimLeft(line);
    directive(line, lineNo);
    return isComment(line) ? "" : line;
  }

  function trimContinuation(line: string): { line: string; end: boolean } {
    if (!continuation.test(line)) return { line, end: true };
    return { line: line.replace(continuation, "$1"), end: false };
  }

  return {
    file,
    get escape() {
      return esc;
    },
    directives,
    line: () => current,
    next(): LogicalLine | undefined {
      while (i < lines.length) {
        const first = process(lines[i++] as string, current + 1, true);
        current++;
        const startLine = current;
        let { line: text, end } = trimContinuation(first);
        if (end && text === "") continue;
        let emptyContinuation = false;
        while (!end && i < lines.length) {
          const raw = lines[i++] as string;
          const line = process(raw, current + 1, false);
          current++;
          if (isComment(raw)) continue;
          if (trimLeft(line) === "") {
            emptyContinuation = true;
            continue;
          }
          const t = trimContinuation(line);
          text += t.line;
          end = t.end;
        }
        return { text, startLine, endLine: current, emptyContinuation };
      }
      return undefined;
    },
    heredoc(name: string, chomp: boolean, startLine: number): string {
      let content = "";
      while (i < lines.length) {
        const raw = lines[i++] as string;
        current++;
        let candidate = trimNewline(raw);
        if (chomp) candidate = candidate.replace(/^\t+/, "");
        if (candidate === name) return content;
        content += raw;
      }
      throw dockerfileError(
        { file, startLine },
        "unterminated heredoc",
        `end the heredoc with a line holding only ${name}`,
      );
    },
  };
}

/** `X\` or a lone `\` (the escape character), trailing blanks allowed; `\\` at the end is no continuation. */
function continuationRegex(esc: string): RegExp {
  const e = esc === "\\" ? "\\\\" : "`";
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
}

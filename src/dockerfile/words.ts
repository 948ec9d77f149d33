import { bareError } from "./errors.js";
import { isSpace } from "./lexer.js";

/** Go's `[\t\v\f\r ]+`, the separator of BuildKit's whitespace-delimited arguments. */
const WHITESPACE = /[\t\v\f\r ]+/;

/** Splits on runs of whitespace (no quote handling), as COPY/ADD/VOLUME/EXPOSE/FROM arguments are. */
export function splitWhitespace(rest: string): string[] {
  return rest === "" ? [] : rest.split(WHITESPACE);
}

/**
 * `INSTRUCTION [--flag...] rest`: the instruction word, its leading `--flags` (quotes and `\` escapes
 * removed, as BuildKit's extractBuilderFlags does) and the trimmed rest.
 */
export function splitCommand(line: string): { cmd: string; flags: string[]; rest: string } {
  const trimmed = line.trim();
  const m = WHITESPACE.exec(trimmed);
  if (!m) return { cmd: trimmed, flags: [], rest: "" };
  const cmd = trimmed.slice(0, m.index);
  const { rest, flags } = extractFlags(trimmed.slice(m.index + m[0].length));
  return { cmd, flags, rest: rest.trim() };
}

function extractFlags(line: string): { rest: string; flags: string[] } {
  const flags: string[] = [];
  let phase: "spaces" | "word" | "quote" = "spaces";
  let word = "";
  let quote = "";
  let blankOK = false;
  for (let pos = 0; pos <= line.length; pos++) {
    const end = pos === line.length;
    const ch = end ? "" : (line[pos] as string);
    if (phase === "spaces") {
      if (end) break;
      if (isSpace(ch)) continue;
      if (ch !== "-" || line[pos + 1] !== "-") return { rest: line.slice(pos), flags };
      phase = "word";
    }
    if (end) {
      if (word !== "--" && (blankOK || word.length > 0)) flags.push(word);
      break;
    }
    if (phase === "word") {
      if (isSpace(ch)) {
        phase = "spaces";
        if (word === "--") return { rest: line.slice(pos), flags };
        if (blankOK || word.length > 0) flags.push(word);
        word = "";
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = "quote";
        continue;
      }
      if (ch === "\\") {
        if (pos + 1 === line.length) continue;
        pos++;
        word += line[pos];
        continue;
      }
      word += ch;
      continue;
    }
    if (ch === quote) {
      phase = "word";
      continue;
    }
    if (ch === "\\") {
      if (pos + 1 === line.length) {
        phase = "word";
        continue;
      }
      pos++;
      word += line[pos];
      continue;
    }
    word += ch;
  }
  return { rest: "", flags };
}

/**
 * Words separated by spaces, quotes kept (they are removed when the words are expanded), as BuildKit's
 * parseWords splits ENV, LABEL and ARG lines. The escape character keeps the next character in the word.
 */
export function parseWords(rest: string, esc: string): string[] {
  const chars = Array.from(rest);
  const words: string[] = [];
  let phase: "spaces" | "word" | "quote" = "spaces";
  let word = "";
  let quote = "";
  let blankOK = false;
  for (let pos = 0; pos <= chars.length; pos++) {
    const end = pos === chars.length;
    let ch = end ? "" : (chars[pos] as string);
    if (phase === "spaces") {
      if (end) break;
      if (isSpace(ch)) continue;
      phase = "word";
    }
    if (end) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === "word") {
      if (isSpace(ch)) {
        phase = "spaces";
        if (blankOK || word.length > 0) words.push(word);
        word = "";
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = "quote";
      }
      if (ch === esc) {
        if (pos + 1 === chars.length) continue;
        word += ch;
        pos++;
        ch = chars[pos] as string;
      }
      word += ch;
      continue;
    }
    if (ch === quote) phase = "word";
    if (ch === esc && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = "word";
        continue;
      }
      pos++;
      word += ch;
      ch = chars[pos] as string;
    }
    word += ch;
  }
  return words;
}

export const NOT_STRING_ARRAY = "when using JSON array syntax, arrays must be comprised of strings only";

/**
 * The exec (JSON) form: a JSON array of strings, or undefined when `rest` is not valid JSON (BuildKit
 * then falls back to the shell form). An array holding anything but strings is an error.
 */
export function parseJsonArray(rest: string): string[] | undefined {
  const text = rest.trimStart();
  if (!text.startsWith("[")) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  if (!value.every((v): v is string => typeof v === "string")) {
    throw bareError(NOT_STRING_ARRAY, 'write every element as a JSON string: ["sh", "-c", "..."]');
  }
  return value;
}

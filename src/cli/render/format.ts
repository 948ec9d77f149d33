/**
 * Docker's `--format` handling (cli/command/formatter): `table` templates get a header row and go
 * through the tab writer, `json` is `{{json .}}`, and `\t`/`\n` typed literally become tab/newline.
 */
import { WharfError } from "../../errors/index.js";
import type { Value } from "./gofmt.js";
import { tabulate } from "./tabwriter.js";
import type { Template } from "./template/ast.js";
import { execute, goStruct } from "./template/exec.js";
import { FUNC_NAMES, FUNCS, HEADER_FUNCS } from "./template/funcs.js";
import { parseTemplate } from "./template/parse.js";

export interface ParsedFormat {
  /** The format began with `table`: a header row, and columns aligned. */
  table: boolean;
  template: Template;
}

function templateError(e: unknown): WharfError {
  return new WharfError("invalid-argument", `template parsing error: ${(e as Error).message}`, {
    hint: "check the --format template (Go text/template syntax, e.g. '{{.ID}}\\t{{.Size}}')",
  });
}

/** Parses a template (not a Docker format: no `table`/`json` handling). Errors are Go's, wrapped. */
export function parseGoTemplate(text: string): Template {
  try {
    return parseTemplate(text, FUNC_NAMES);
  } catch (e) {
    throw templateError(e);
  }
}

/** Runs a template on one value. */
export function executeTemplate(t: Template, data: Value): string {
  try {
    return execute(t, data, FUNCS);
  } catch (e) {
    throw templateError(e);
  }
}

/** Docker's `preFormat` and `parseFormat`. */
export function parseFormat(format: string): ParsedFormat {
  const table = format.startsWith("table");
  let text = table ? format.slice("table".length) : format === "json" ? "{{json .}}" : format;
  text = text
    .replace(/^ +| +$/g, "")
    .replaceAll("\\t", "\t")
    .replaceAll("\\n", "\n");
  return { table, template: parseGoTemplate(text) };
}

export interface RenderOptions {
  /** Column titles by field name (`{ ID: "IMAGE ID" }`) for a table's header row. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * Renders items with a Docker format: one line per item; for `table` formats a header row made by
 * running the template over the titles, and columns aligned with Docker's tab writer settings.
 */
export function renderFormat(
  format: string | ParsedFormat,
  items: readonly Value[],
  opts: RenderOptions = {},
): string {
  const f = typeof format === "string" ? parseFormat(format) : format;
  let body = "";
  for (const item of items) body += `${executeTemplate(f.template, item)}\n`;
  if (!f.table) return body;
  return tabulate(`${headerRow(f.template, opts.headers ?? {})}\n${body}`);
}

/** The header row: the template run over the titles with Docker's header functions; errors cut it short. */
function headerRow(t: Template, headers: Readonly<Record<string, string>>): string {
  let partial = "";
  try {
    partial = execute(t, new Map(Object.entries(headers)), HEADER_FUNCS);
  } catch {
    // Docker ignores errors in the header row; the row is then left empty.
  }
  return partial;
}

/**
 * A row of Docker's list formatters (`*formatter.ContainerContext`, ...): a Go struct to templates,
 * and to `{{json .}}` an object of its fields in alphabetical order, as Docker's formatter marshals
 * a context (a map of its fields, whose keys Go's encoder sorts).
 */
export function formatterContext<T extends Record<string, Value>>(type: string, fields: T): T {
  const sorted = Object.fromEntries(
    Object.keys(fields)
      .sort()
      .map((k) => [k, fields[k]]),
  );
  return goStruct(type, { ...fields, toJSON: () => sorted });
}

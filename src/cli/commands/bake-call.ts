/**
 * `bake --call`'s answers: each target's Dockerfile read as `build --call` reads it (nothing
 * built), its answer in both forms for `bake/`'s printers (`callText`, `callDocument`). A check's
 * answer is BuildKit's lint result: `result.json` (`warnings`, `sources`) and `result.statuscode`
 * 1 when it has warnings; its text is buildx's (the count line first, then each warning).
 */
import type { CallAnswer } from "../../bake/index.js";
import { type BuildOptions, checkOnly, lintError } from "../../build/index.js";
import { type Finding, formatCheckReport } from "../../dockerfile/index.js";
import { callResult } from "./build-call.js";

/**
 * BuildKit's `LintResults` for these findings, as its frontend writes `result.json`: `warnings`
 * (null when none: Go's nil slice), each with its rule, description, URL, message and lines (the
 * source index 0 and characters 0 left out, Go's omitempty); `sources`, the one Dockerfile.
 */
export function lintResultsOf(
  findings: readonly Finding[],
  file: string,
  text: string,
): Record<string, unknown> {
  return {
    warnings: findings.length
      ? findings.map((f) => ({
          ruleName: f.rule,
          ...(f.description ? { description: f.description } : {}),
          ...(f.url ? { url: f.url } : {}),
          ...(f.message ? { detail: f.message } : {}),
          location: { ranges: [{ start: { line: f.line }, end: { line: f.endLine } }] },
        }))
      : null,
    sources: [{ filename: file, data: Buffer.from(text).toString("base64"), language: "Dockerfile" }],
  };
}

/**
 * buildx's text for a check: `Check complete, N warnings have been found!` before the warnings
 * (its printer writes the count, then BuildKit's warnings), `Check complete, no warnings found.`
 * when there are none.
 */
export function checkText(findings: readonly Finding[], file: string, text: string): string[] {
  const report = formatCheckReport(findings, file, text);
  if (findings.length === 0) return report;
  return [report[report.length - 1] as string, ...report.slice(0, -1)];
}

export interface TargetCall {
  answer: CallAnswer;
  /** `check=error=true` with findings: the error the bake ends with after printing. */
  lintError?: Error;
}

/** One target's answer to `method`, read from its context and Dockerfile (`o`). */
export async function answerCall(
  method: CallAnswer["method"],
  format: "text" | "json",
  o: BuildOptions,
  stdin: NodeJS.ReadableStream,
): Promise<TargetCall> {
  const buildArgs = o.buildArgs ?? {};
  const r = await checkOnly({
    root: o.root,
    context: o.context,
    ...(o.file ? { file: o.file } : {}),
    stdin,
    ...(method === "check" ? { buildArgs } : {}),
  });
  if (method === "check") {
    const answer: CallAnswer = {
      method,
      text: format === "text" ? checkText(r.findings, r.file, r.text) : [],
      json: format === "json" ? lintResultsOf(r.findings, r.file, r.text) : {},
      status: r.findings.length > 0 ? 1 : 0,
    };
    return r.config.error && r.findings.length > 0
      ? { answer, lintError: lintError(r.findings, "") }
      : { answer };
  }
  const lines = callResult(method, format, r.file, r.text, o.target, buildArgs);
  return {
    answer: {
      method,
      text: format === "text" ? lines : [],
      json: format === "json" ? (JSON.parse(lines.join("\n")) as Record<string, unknown>) : {},
      status: 0,
    },
  };
}

import type { Finding } from "./types.js";

const plural = (n: number) => (n === 1 ? "1 warning" : `${n} warnings`);

/** The lines a build prints after its steps: ` 2 warnings found (use docker --debug to expand):` and one ` - Rule: message (line N)` each. */
export function formatCheckSummary(findings: readonly Finding[]): string[] {
  if (findings.length === 0) return [];
  return [
    ` ${plural(findings.length)} found (use docker --debug to expand):`,
    ...findings.map((f) => ` - ${f.rule}: ${f.message} (line ${f.line})`),
  ];
}

/** `lint violation found for rules: A, B` (each rule once, in report order): the error of `error=true`. */
export function lintViolationMessage(findings: readonly Finding[]): string {
  return `lint violation found for rules: ${[...new Set(findings.map((f) => f.rule))].join(", ")}`;
}

/**
 * What `build --check` prints: per finding `WARNING: Rule - URL`, the message, `FILE:LINE` and the
 * Dockerfile excerpt (two lines around, the finding's lines marked `>>>`), then the count line.
 */
export function formatCheckReport(findings: readonly Finding[], file: string, text: string): string[] {
  const src = text.replace(/\n$/, "").split("\n");
  const out: string[] = [];
  for (const f of findings) {
    out.push("", `WARNING: ${f.rule} - ${f.url}`, f.message);
    out.push(`${file}:${f.line === f.endLine ? f.line : `${f.line}-${f.endLine}`}`, "--------------------");
    for (let n = Math.max(1, f.line - 2); n <= Math.min(src.length, f.endLine + 2); n++) {
      const mark = n >= f.line && n <= f.endLine ? ">>> " : "    ";
      out.push(`${String(n).padStart(4)} | ${mark}${src[n - 1] ?? ""}`);
    }
    out.push("--------------------");
  }
  if (findings.length === 0) out.push("Check complete, no warnings found.");
  else
    out.push(
      `Check complete, ${findings.length === 1 ? "1 warning has" : `${findings.length} warnings have`} been found!`,
    );
  return out;
}

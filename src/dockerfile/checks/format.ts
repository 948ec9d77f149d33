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

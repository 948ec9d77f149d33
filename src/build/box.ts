import type { Dockerfile } from "../dockerfile/index.js";
import type { StepDetail } from "./step.js";

/** The failed step's box, as BuildKit prints it: its name, its last output, the Dockerfile lines. */
export function errorBox(e: StepDetail, df: Dockerfile | undefined, text: string): string[] {
  const lines = ["------", ` > ${e.step}:`, ...e.tail.slice(-10).map((l) => `   ${l}`), "------"];
  const loc = e.location;
  if (loc && df) {
    const src = text.replace(/\n$/, "").split("\n");
    lines.push(
      `${df.file}:${loc.startLine === loc.endLine ? loc.startLine : `${loc.startLine}-${loc.endLine}`}`,
      "--------------------",
    );
    for (let n = Math.max(1, loc.startLine - 2); n <= Math.min(src.length, loc.endLine + 2); n++) {
      const mark = n >= loc.startLine && n <= loc.endLine ? ">>> " : "    ";
      lines.push(`${String(n).padStart(4)} | ${mark}${src[n - 1] ?? ""}`);
    }
    lines.push("--------------------");
  }
  return lines;
}

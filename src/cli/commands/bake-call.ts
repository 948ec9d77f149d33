/**
 * `bake --call`'s answers: each target's Dockerfile read as `build --call` reads it (nothing
 * built), its answer in both forms for `bake/`'s printers (`callText`, `callDocument`) and its
 * `--metadata-file` entry. A check's answer is `build/`'s `checkAnswer`, the one printer `build
 * --check` uses too: BuildKit's lint result (`result.json`: `warnings`, `sources`, `buildError`
 * with `error=true`), `result.statuscode` 1 when it has warnings, buildx's text (the count line
 * first, then each warning) and, with `error=true`, the lint error.
 */
import type { CallAnswer } from "../../bake/index.js";
import { type BuildOptions, checkAnswer, checkOnly } from "../../build/index.js";
import { callMetadata, callResult } from "./build-call.js";

export interface TargetCall {
  answer: CallAnswer;
  /** The target's `--metadata-file` entry, as buildx writes a subrequest's response. */
  metadata: Record<string, unknown>;
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
    const c = checkAnswer(r.findings, r.config, r.file, r.text);
    return {
      answer: {
        method,
        text: format === "text" ? c.lines : [],
        json: format === "json" ? { ...c.results } : {},
        status: c.status,
        ...(c.error !== undefined ? { error: c.error } : {}),
      },
      metadata: callMetadata(c.results, c.txt, c.status),
    };
  }
  const text = callResult(method, "text", r.file, r.text, o.target, buildArgs);
  const json = JSON.parse(
    callResult(method, "json", r.file, r.text, o.target, buildArgs).join("\n"),
  ) as Record<string, unknown>;
  return {
    answer: { method, text: format === "text" ? text : [], json: format === "json" ? json : {}, status: 0 },
    metadata: callMetadata(json, text.map((l) => `${l}\n`).join("")),
  };
}

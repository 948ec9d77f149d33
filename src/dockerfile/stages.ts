import { dockerfileError } from "./errors.js";
import type { Dockerfile, SourceLocation, Stage } from "./types.js";

/** What a `FROM`, `COPY --from` or `RUN --mount=...,from=` names: an earlier stage or an image. */
export type StageRef = { kind: "stage"; index: number } | { kind: "image"; ref: string };

/** A stage by name (case-insensitive) or by index written as a number. */
export function findStage(df: Dockerfile, ref: string): Stage | undefined {
  if (/^[+-]?\d+$/.test(ref)) return df.stages[Number(ref)];
  const name = ref.toLowerCase();
  return df.stages.find((s) => s.name === name);
}

/**
 * The base of stage `stageIndex`, given its FROM image once expanded: a stage defined before it by
 * that name, else an image (BuildKit sees only earlier stages from a FROM line; `scratch` is an image).
 */
export function resolveFromBase(df: Dockerfile, image: string, stageIndex: number): StageRef {
  const name = image.toLowerCase();
  const s = df.stages.find((st) => st.index < stageIndex && st.name === name);
  return s ? { kind: "stage", index: s.index } : { kind: "image", ref: image };
}

/** The source of `COPY --from=` or a mount's `from=`: a stage by name or index, else an image. */
export function resolveCopySource(df: Dockerfile, from: string): StageRef {
  const s = findStage(df, from);
  return s ? { kind: "stage", index: s.index } : { kind: "image", ref: from };
}

/**
 * Refuses a `--from` that names the stage itself, a stage defined later (so that the stages always
 * form an acyclic graph in file order) or a stage index past the last stage.
 */
export function checkStageRef(df: Dockerfile, ref: string, stageIndex: number, loc: SourceLocation): void {
  const numeric = /^[+-]?\d+$/.test(ref);
  if (numeric && (Number(ref) < 0 || Number(ref) >= df.stages.length)) {
    throw dockerfileError(
      loc,
      `invalid stage index ${Number(ref)}`,
      `stage indexes run from 0 to ${df.stages.length - 1}`,
    );
  }
  const s = findStage(df, ref);
  if (!s) return;
  const label = s.name ?? String(s.index);
  if (s.index === stageIndex) {
    throw dockerfileError(
      loc,
      `circular dependency detected on stage: ${label}`,
      "a stage cannot copy from itself",
    );
  }
  if (s.index > stageIndex) {
    throw dockerfileError(
      loc,
      `--from=${ref} names stage ${label}, defined later (line ${s.from.location.startLine})`,
      "move that stage above this one: a stage can use only the stages defined before it",
    );
  }
}

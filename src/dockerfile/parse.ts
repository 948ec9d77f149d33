import { at, dockerfileError } from "./errors.js";
import { checkExpansionSyntax } from "./expand.js";
import { heredocsFromLine } from "./heredoc.js";
import { buildInstruction, canContainHeredoc } from "./instructions.js";
import { createLineReader } from "./lines.js";
import { checkStageRef } from "./stages.js";
import type {
  ArgInstruction,
  Dockerfile,
  DockerfileWarning,
  Heredoc,
  Instruction,
  SourceLocation,
  Stage,
  StageInstruction,
} from "./types.js";
import { splitCommand } from "./words.js";

/** Every instruction of the file, in order, typed and located. */
function readInstructions(text: string, file: string) {
  const reader = createLineReader(text, file);
  const instructions: Instruction[] = [];
  const warnings: DockerfileWarning[] = [];
  for (let line = reader.next(); line !== undefined; line = reader.next()) {
    const first: SourceLocation = { file, startLine: line.startLine, endLine: line.endLine };
    const node = splitCommand(line.text);
    let heredocs: Heredoc[] = [];
    if (line.text.includes("<<") && canContainHeredoc(node)) {
      const words = at(first, () => heredocsFromLine(line.text));
      heredocs = words.map((h) => ({ ...h, content: reader.heredoc(h.name, h.chomp, first.startLine) }));
    }
    const location: SourceLocation = { ...first, endLine: reader.line() };
    const text = line.text.trim();
    instructions.push(at(location, () => buildInstruction(node, heredocs, location, text, reader.escape)));
    if (line.emptyContinuation) {
      warnings.push({ line: line.endLine, message: `Empty continuation line found in: ${text}` });
    }
  }
  return {
    instructions,
    warnings,
    escape: reader.escape,
    directives: reader.directives,
    lastLine: reader.line(),
  };
}

/** ARGs before the first FROM are global; every other instruction belongs to the stage its FROM opened. */
function group(
  file: string,
  instructions: Instruction[],
  keepDuplicates = false,
): { globalArgs: ArgInstruction[]; stages: Stage[] } {
  const globalArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  for (const inst of instructions) {
    if (inst.kind === "FROM") {
      const dup = inst.name === undefined ? undefined : stages.find((s) => s.name === inst.name);
      if (dup && !keepDuplicates) {
        throw dockerfileError(
          inst.location,
          `duplicate stage name "${inst.name}" (first at line ${dup.from.location.startLine})`,
          "give each stage its own name; stage names are case-insensitive",
        );
      }
      stages.push({ index: stages.length, name: inst.name, from: inst, instructions: [] });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (stage) stage.instructions.push(inst);
    else if (inst.kind === "ARG") globalArgs.push(inst);
    else {
      throw dockerfileError(
        inst.location,
        `${inst.kind}: no build stage in current context`,
        "start the Dockerfile with FROM; only ARG may come before the first FROM",
      );
    }
  }
  if (stages.length === 0) {
    throw dockerfileError(
      { file, startLine: instructions[0]?.location.startLine ?? 1 },
      "dockerfile contains no stages to build",
      "add a FROM line",
    );
  }
  return { globalArgs, stages };
}

/** Stage references and expansion syntax, checked for the whole file before anything is built. */
function check(df: Dockerfile): void {
  for (const inst of df.globalArgs) checkExpansionSyntax(inst, df.escape);
  for (const stage of df.stages) {
    checkExpansionSyntax(stage.from, df.escape);
    for (const inst of stage.instructions) {
      checkExpansionSyntax(inst, df.escape);
      if (inst.kind === "COPY" && inst.from !== undefined) {
        checkStageRef(df, inst.from, stage.index, inst.location);
      }
      if (inst.kind === "RUN") {
        for (const m of inst.mounts) {
          if ((m.type === "bind" || m.type === "cache") && m.from !== undefined) {
            checkStageRef(df, m.from, stage.index, inst.location);
          }
        }
      }
    }
  }
}

/**
 * Parses a Dockerfile as BuildKit's Dockerfile frontend does. Every syntax or semantic error is a
 * `dockerfile-invalid` WharfError whose message starts with `FILE:LINE: `. Words that BuildKit expands
 * at build time are kept as written: see `expandInstruction` and `createArgScope`.
 */
export function parseDockerfile(
  text: string,
  opts: {
    file: string;
    /** Keep a repeated stage name instead of refusing it (`build --check` reports it as DuplicateStageName). */
    keepDuplicateStages?: boolean;
  },
): Dockerfile {
  const { file } = opts;
  const read = readInstructions(text, file);
  if (read.instructions.length === 0) {
    throw dockerfileError(
      { file, startLine: Math.max(1, read.lastLine) },
      "file with no instructions",
      "add a FROM line",
    );
  }
  const { globalArgs, stages } = group(file, read.instructions, opts.keepDuplicateStages === true);
  const df: Dockerfile = {
    file,
    escape: read.escape,
    directives: read.directives,
    globalArgs,
    stages,
    warnings: read.warnings,
  };
  check(df);
  return df;
}

/**
 * One ONBUILD trigger as a base image's config stores it (`OnBuild`: the text after ONBUILD, heredoc
 * bodies appended), parsed for the child build that runs it. `file` names it in errors.
 */
export function parseOnbuildTrigger(expression: string, opts: { file: string }): StageInstruction {
  const read = readInstructions(expression, opts.file);
  const [inst, extra] = read.instructions;
  if (inst === undefined || extra !== undefined) {
    throw dockerfileError(
      { file: opts.file, startLine: extra?.location.startLine ?? 1 },
      "an ONBUILD trigger must be exactly one instruction",
      "rebuild the base image with a valid ONBUILD line",
    );
  }
  if (inst.kind === "FROM" || inst.kind === "ONBUILD" || inst.kind === "MAINTAINER") {
    throw dockerfileError(inst.location, `${inst.kind} isn't allowed as an ONBUILD trigger`);
  }
  checkExpansionSyntax(inst, read.escape);
  return inst;
}

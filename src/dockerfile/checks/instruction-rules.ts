import type { Dockerfile, Instruction } from "../types.js";
import { type Finding, finding } from "./types.js";

/** Every instruction of the file (global ARGs, FROMs, stage instructions) in file order. */
export function allInstructions(df: Dockerfile): Instruction[] {
  const all: Instruction[] = [...df.globalArgs];
  for (const s of df.stages) all.push(s.from, ...s.instructions);
  return all.sort((a, b) => a.location.startLine - b.location.startLine);
}

/** The instruction's keyword as written (`from`, `Run`). */
export const keywordOf = (inst: Instruction): string => inst.original.split(/\s/, 1)[0] ?? inst.kind;

const at = (inst: Instruction) => [inst.location.startLine, inst.location.endLine] as const;

/** ConsistentInstructionCasing: the keywords' majority casing (uppercase on a tie); every other keyword. */
export function casingRule(df: Dockerfile): Finding[] {
  const all = allInstructions(df);
  const words = all.map(keywordOf);
  const upper = words.filter((w) => w === w.toUpperCase()).length;
  const lower = words.filter((w) => w === w.toLowerCase()).length;
  const lowerWins = lower > upper;
  const out: Finding[] = [];
  all.forEach((inst, i) => {
    const w = words[i] as string;
    const ok = lowerWins ? w === w.toLowerCase() : w === w.toUpperCase();
    if (!ok) {
      const msg = `Command '${w}' should match the case of the command majority (${lowerWins ? "lowercase" : "uppercase"})`;
      out.push(finding("ConsistentInstructionCasing", msg, ...at(inst)));
    }
  });
  return out;
}

/** NoEmptyContinuation: the parser's empty-continuation warnings, at the instruction's first line. */
export function emptyContinuationRule(df: Dockerfile): Finding[] {
  const all = allInstructions(df);
  return df.warnings
    .filter((w) => w.message.startsWith("Empty continuation line"))
    .map((w) => {
      const inst = all.find((i) => i.location.startLine <= w.line && w.line <= i.location.endLine);
      const line = inst?.location.startLine ?? w.line;
      return finding("NoEmptyContinuation", "Empty continuation line", line, inst?.location.endLine ?? line);
    });
}

const SECRET = /(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)/i;
const ALLOWED = /(?:_|^)(?:public)(?:_|$)/i;

/** Whether a variable name looks like it holds sensitive data (BuildKit's token list; `public` allowed). */
export const looksSecret = (name: string): boolean => SECRET.test(name) && !ALLOWED.test(name);

/**
 * Per-stage rules: JSONArgsRecommended, MaintainerDeprecated, MultipleInstructionsDisallowed,
 * LegacyKeyValueFormat, WorkdirRelativePath, ExposeProtoCasing, ExposeInvalidFormat, SecretsUsedInArgOrEnv.
 */
export function stageRules(df: Dockerfile): Finding[] {
  const out: Finding[] = [];
  const absWorkdir = new Map<number, boolean>();
  for (const stage of df.stages) {
    let shellSet = false;
    const parent = df.stages.find((s) => s.name !== undefined && s.name === stage.from.image.toLowerCase());
    let abs = parent !== undefined && parent.index < stage.index && absWorkdir.get(parent.index) === true;
    const last = new Map<string, Instruction>();
    for (const inst of stage.instructions) {
      const [line, end] = at(inst);
      switch (inst.kind) {
        case "SHELL":
          shellSet = true;
          break;
        case "CMD":
        case "ENTRYPOINT":
          if (inst.command.form === "shell" && !shellSet) {
            const msg = `JSON arguments recommended for ${inst.kind} to prevent unintended behavior related to OS signals`;
            out.push(finding("JSONArgsRecommended", msg, line, end));
          }
          break;
        case "MAINTAINER":
          out.push(
            finding(
              "MaintainerDeprecated",
              "Maintainer instruction is deprecated in favor of using label",
              line,
              end,
            ),
          );
          break;
        case "ENV":
        case "LABEL": {
          const first = inst.original.slice(keywordOf(inst).length).trim().split(/\s+/, 1)[0] ?? "";
          if (!first.includes("=")) {
            const msg = `"${inst.kind} key=value" should be used instead of legacy "${inst.kind} key value" format`;
            out.push(finding("LegacyKeyValueFormat", msg, line, end));
          }
          if (inst.kind === "ENV")
            out.push(
              ...secrets(
                "ENV",
                inst.pairs.map((p) => p.key),
                line,
                end,
              ),
            );
          break;
        }
        case "ARG":
          out.push(
            ...secrets(
              "ARG",
              inst.args.map((a) => a.name),
              line,
              end,
            ),
          );
          break;
        case "WORKDIR":
          if (inst.path.startsWith("/") || inst.path.startsWith("$")) abs = true;
          else if (!abs) {
            const msg = `Relative workdir ${JSON.stringify(inst.path)} can have unexpected results if the base image changes`;
            out.push(finding("WorkdirRelativePath", msg, line, end));
          }
          break;
        case "EXPOSE":
          for (const p of inst.ports) out.push(...exposeFindings(p, line, end));
          break;
        default:
          break;
      }
      if (inst.kind === "CMD" || inst.kind === "ENTRYPOINT" || inst.kind === "HEALTHCHECK") {
        const prev = last.get(inst.kind);
        if (prev) {
          const msg = `Multiple ${inst.kind} instructions should not be used in the same stage because only the last one will be used`;
          out.push(finding("MultipleInstructionsDisallowed", msg, ...at(prev)));
        }
        last.set(inst.kind, inst);
      }
    }
    absWorkdir.set(stage.index, abs);
  }
  return out;
}

function secrets(kind: "ARG" | "ENV", names: string[], line: number, end: number): Finding[] {
  return names
    .filter(looksSecret)
    .map((n) =>
      finding(
        "SecretsUsedInArgOrEnv",
        `Do not use ARG or ENV instructions for sensitive data (${kind} ${JSON.stringify(n)})`,
        line,
        end,
      ),
    );
}

function exposeFindings(port: string, line: number, end: number): Finding[] {
  if (port.includes(":")) {
    const msg = `EXPOSE instruction should not define an IP address or host-port mapping, found '${port}'`;
    return [finding("ExposeInvalidFormat", msg, line, end)];
  }
  const slash = port.indexOf("/");
  if (slash >= 0) {
    const proto = port.slice(slash + 1);
    if (proto !== proto.toLowerCase()) {
      return [
        finding(
          "ExposeProtoCasing",
          `Defined protocol '${port}' in EXPOSE instruction should be lowercase`,
          line,
          end,
        ),
      ];
    }
  }
  return [];
}

import { parseAdd, parseCopy } from "./copy.js";
import { bareError } from "./errors.js";
import { parseFlags } from "./flags.js";
import { parseHealthcheck } from "./healthcheck.js";
import { checkDeferredMount, parseMount, parseNetwork, parseSecurity } from "./mounts.js";
import type {
  ArgDecl,
  CommandLine,
  Heredoc,
  Instruction,
  KeyValue,
  OnbuildInstruction,
  SourceLocation,
} from "./types.js";
import { parseJsonArray, parseWords, splitCommand, splitWhitespace } from "./words.js";

export const INSTRUCTIONS = [
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "FROM",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
] as const;

/** The instructions whose shell-form line may open heredocs. */
const HEREDOC_INSTRUCTIONS = new Set(["RUN", "COPY", "ADD"]);

export interface Node {
  cmd: string;
  flags: string[];
  rest: string;
}

/** Whether a line may carry heredocs (BuildKit's canContainHeredoc: RUN/COPY/ADD, also under ONBUILD). */
export function canContainHeredoc(node: Node): boolean {
  let { cmd, rest } = node;
  if (cmd.toUpperCase() === "ONBUILD") ({ cmd, rest } = splitCommand(rest));
  if (!HEREDOC_INSTRUCTIONS.has(cmd.toUpperCase())) return false;
  try {
    return parseJsonArray(rest) === undefined;
  } catch {
    return false;
  }
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0] as number;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j] as number;
      d[j] = Math.min((d[j] as number) + 1, (d[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length] as number;
}

function unknownInstruction(cmd: string): never {
  const upper = cmd.toUpperCase();
  const near = INSTRUCTIONS.find((name) => distance(upper, name) <= Math.max(1, Math.floor(name.length / 3)));
  throw bareError(
    `unknown instruction: ${cmd}${near ? ` (did you mean ${near}?)` : ""}`,
    `instructions are ${INSTRUCTIONS.join(", ")}`,
  );
}

function command(rest: string): CommandLine {
  const json = parseJsonArray(rest);
  return json ? { form: "exec", args: json } : { form: "shell", script: rest };
}

function atLeastOne(name: string, rest: string): void {
  if (rest === "") throw bareError(`${name} requires at least one argument`);
}

function exactlyOne(name: string, rest: string): string {
  if (rest === "") throw bareError(`${name} requires exactly one argument`);
  return rest;
}

/** ENV and LABEL: `KEY value` (the rest of the line) or `k=v k2="v 2"`, quotes kept until expansion. */
function nameValues(name: string, rest: string, esc: string): KeyValue[] {
  const words = parseWords(rest, esc);
  const first = words[0];
  if (first === undefined) throw bareError(`${name} requires at least one argument`);
  if (!first.includes("=")) {
    const m = /[\t\v\f\r ]+/.exec(rest);
    if (!m) throw bareError(`${name} must have two arguments`, `write ${name} KEY=VALUE`);
    return [{ key: rest.slice(0, m.index), value: rest.slice(m.index + m[0].length) }];
  }
  return words.map((word) => {
    const eq = word.indexOf("=");
    if (eq < 0) {
      throw bareError(`Syntax error - can't find = in "${word}". Must be of the form: name=value`);
    }
    if (eq === 0) throw bareError(`${name} names can not be blank`);
    return { key: word.slice(0, eq), value: word.slice(eq + 1) };
  });
}

function args(rest: string, esc: string): ArgDecl[] {
  const words = parseWords(rest, esc);
  if (words.length === 0) throw bareError("ARG requires at least one argument");
  return words.map((word) => {
    const eq = word.indexOf("=");
    if (eq === 0) throw bareError("ARG names can not be blank");
    return eq < 0
      ? { name: word, default: undefined }
      : { name: word.slice(0, eq), default: word.slice(eq + 1) };
  });
}

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

/** One typed instruction from its line; errors are location-less (the caller locates them). */
export function buildInstruction(
  node: Node,
  heredocs: Heredoc[],
  location: SourceLocation,
  original: string,
  esc: string,
): Instruction {
  const { cmd, flags, rest } = node;
  const base = { location, original };
  const name = cmd.toUpperCase();
  const noFlags = (): void => void parseFlags(name, flags, {});
  switch (name) {
    case "FROM": {
      const f = parseFlags(name, flags, { platform: "string" });
      const words = splitWhitespace(rest);
      let stage: string | undefined;
      if (words.length === 3 && words[1]?.toLowerCase() === "as") {
        stage = (words[2] as string).toLowerCase();
        if (!STAGE_NAME.test(stage)) {
          throw bareError(
            `invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`,
          );
        }
      } else if (words.length !== 1) {
        throw bareError("FROM requires either one or three arguments", "write FROM IMAGE [AS NAME]");
      }
      return {
        kind: "FROM",
        ...base,
        image: words[0] as string,
        name: stage,
        platform: f.string("platform"),
      };
    }
    case "RUN": {
      const f = parseFlags(name, flags, { mount: "strings", network: "string", security: "string" });
      atLeastOne(name, rest);
      const mountSpecs = f.strings("mount");
      const mounts = mountSpecs.flatMap((spec) => {
        if (!spec.includes("$")) return [parseMount(spec)];
        checkDeferredMount(spec);
        return [];
      });
      const network = f.string("network");
      const security = f.string("security");
      return {
        kind: "RUN",
        ...base,
        command: command(rest),
        mountSpecs,
        mounts,
        network: network === undefined ? undefined : parseNetwork(network),
        security: security === undefined ? undefined : parseSecurity(security),
        heredocs,
      };
    }
    case "CMD":
    case "ENTRYPOINT":
      noFlags();
      atLeastOne(name, rest);
      return name === "CMD"
        ? { kind: "CMD", ...base, command: command(rest) }
        : { kind: "ENTRYPOINT", ...base, command: command(rest) };
    case "SHELL": {
      noFlags();
      atLeastOne(name, rest);
      const shell = parseJsonArray(rest);
      if (!shell)
        throw bareError("SHELL requires the arguments to be in JSON form", 'write SHELL ["/bin/sh", "-c"]');
      if (shell.length === 0) throw bareError("SHELL requires at least one argument");
      return { kind: "SHELL", ...base, shell };
    }
    case "ENV":
    case "LABEL":
      noFlags();
      return name === "ENV"
        ? { kind: "ENV", ...base, pairs: nameValues(name, rest, esc) }
        : { kind: "LABEL", ...base, pairs: nameValues(name, rest, esc) };
    case "ARG":
      noFlags();
      return { kind: "ARG", ...base, args: args(rest, esc) };
    case "WORKDIR":
      noFlags();
      return { kind: "WORKDIR", ...base, path: exactlyOne(name, rest) };
    case "USER":
      noFlags();
      return { kind: "USER", ...base, user: exactlyOne(name, rest) };
    case "STOPSIGNAL":
      noFlags();
      return { kind: "STOPSIGNAL", ...base, signal: exactlyOne(name, rest) };
    case "MAINTAINER":
      noFlags();
      return { kind: "MAINTAINER", ...base, maintainer: exactlyOne(name, rest) };
    case "EXPOSE":
      noFlags();
      atLeastOne(name, rest);
      return { kind: "EXPOSE", ...base, ports: splitWhitespace(rest) };
    case "VOLUME": {
      noFlags();
      atLeastOne(name, rest);
      const paths = (parseJsonArray(rest) ?? splitWhitespace(rest)).map((p) => p.trim());
      if (paths.length === 0) throw bareError("VOLUME requires at least one argument");
      if (paths.includes("")) throw bareError("VOLUME specified can not be an empty string");
      return { kind: "VOLUME", ...base, paths };
    }
    case "COPY":
      return { kind: "COPY", ...base, ...parseCopy(rest, flags, heredocs) };
    case "ADD":
      return { kind: "ADD", ...base, ...parseAdd(rest, flags, heredocs) };
    case "HEALTHCHECK":
      return { kind: "HEALTHCHECK", ...base, ...parseHealthcheck(rest, flags) };
    case "ONBUILD":
      return onbuild(rest, flags, heredocs, location, original, esc);
    default:
      return unknownInstruction(cmd);
  }
}

function onbuild(
  rest: string,
  flags: string[],
  heredocs: Heredoc[],
  location: SourceLocation,
  original: string,
  esc: string,
): OnbuildInstruction {
  parseFlags("ONBUILD", flags, {});
  atLeastOne("ONBUILD", rest);
  const sub = splitCommand(rest);
  const trigger = sub.cmd.toUpperCase();
  if (trigger === "ONBUILD") throw bareError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (trigger === "MAINTAINER" || trigger === "FROM") {
    throw bareError(`${trigger} isn't allowed as an ONBUILD trigger`);
  }
  const parsed = buildInstruction(sub, heredocs, location, rest, esc);
  let expression = original.replace(/^\s*ONBUILD\s*/i, "");
  for (const h of heredocs) expression += `\n${h.content}${h.name}`;
  return {
    kind: "ONBUILD",
    location,
    original,
    expression,
    trigger: parsed as OnbuildInstruction["trigger"],
  };
}

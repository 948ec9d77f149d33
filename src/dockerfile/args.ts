import { at } from "./errors.js";
import { type Lookup, processWord } from "./lexer.js";
import type { ArgDecl, ArgInstruction } from "./types.js";

/** ARGs BuildKit defines in the global scope from the build's platforms (usable in FROM undeclared). */
export const PLATFORM_ARGS = [
  "TARGETPLATFORM",
  "TARGETOS",
  "TARGETARCH",
  "TARGETVARIANT",
  "BUILDPLATFORM",
  "BUILDOS",
  "BUILDARCH",
  "BUILDVARIANT",
] as const;

/** Proxy ARGs: usable by RUN without an ARG, and then kept out of the history. */
export const PROXY_ARGS = [
  "HTTP_PROXY",
  "http_proxy",
  "HTTPS_PROXY",
  "https_proxy",
  "FTP_PROXY",
  "ftp_proxy",
  "NO_PROXY",
  "no_proxy",
  "ALL_PROXY",
  "all_proxy",
] as const;

/** A build arg is "predefined" when Docker never warns that it went unconsumed. */
export function isPredefinedArg(name: string): boolean {
  return (
    (PLATFORM_ARGS as readonly string[]).includes(name) ||
    (PROXY_ARGS as readonly string[]).includes(name) ||
    name === "SOURCE_DATE_EPOCH" ||
    name.startsWith("BUILDKIT_")
  );
}

export interface PlatformParts {
  os: string;
  architecture: string;
  variant?: string;
}

const format = (p: PlatformParts): string => [p.os, p.architecture, p.variant].filter(Boolean).join("/");

/** The values of the platform ARGs for a target and a build platform (`linux/arm64/v8`...). */
export function platformArgValues(target: PlatformParts, build: PlatformParts): Record<string, string> {
  return {
    TARGETPLATFORM: format(target),
    TARGETOS: target.os,
    TARGETARCH: target.architecture,
    TARGETVARIANT: target.variant ?? "",
    BUILDPLATFORM: format(build),
    BUILDOS: build.os,
    BUILDARCH: build.architecture,
    BUILDVARIANT: build.variant ?? "",
  };
}

export interface GlobalArgs {
  /** What a FROM line (image and --platform) can see: platform ARGs, then global ARGs with a value. */
  lookup: Lookup;
  values: ReadonlyMap<string, string>;
  /** Names declared by a global ARG (with or without a value). */
  declared: ReadonlySet<string>;
}

export interface ScopeOptions {
  /** `--build-arg` values. */
  buildArgs: ReadonlyMap<string, string>;
  escape?: "\\" | "`";
}

/**
 * The global scope: platform ARGs (a `--build-arg` overrides them), then each ARG before the first
 * FROM in order, its value the `--build-arg` or else its default expanded with the ones before it.
 */
export function resolveGlobalArgs(
  metaArgs: ArgInstruction[],
  opts: ScopeOptions & { platform?: Record<string, string> },
): GlobalArgs {
  const values = new Map<string, string>();
  for (const [k, v] of Object.entries(opts.platform ?? {})) values.set(k, opts.buildArgs.get(k) ?? v);
  const declared = new Set<string>();
  const lookup: Lookup = (name) => values.get(name);
  for (const inst of metaArgs) {
    for (const arg of inst.args) {
      declared.add(arg.name);
      const given = opts.buildArgs.get(arg.name);
      const value =
        given ??
        (arg.default === undefined
          ? undefined
          : at(inst.location, () =>
              processWord(arg.default as string, lookup, { escape: opts.escape ?? "\\" }),
            ));
      if (value !== undefined) values.set(arg.name, value);
    }
  }
  return { lookup, values, declared };
}

/** The variables of one stage as the executor steps through it (no I/O: a state machine). */
export interface ArgScope {
  /** An ARG inside the stage: its value is the `--build-arg`, else its default, else the global ARG's. */
  declare(inst: ArgInstruction): void;
  /** An ENV (also each variable of the base image's config, before the first instruction). */
  setEnv(name: string, value: string): void;
  /** What `$NAME` means here: an ENV always wins over an ARG of the same name. */
  lookup: Lookup;
  /** Declared ARGs in order, with the value RUN sees (BuildKit's `|N K=V` history prefix). */
  buildArgs(): Array<[string, string]>;
  /** The extra environment of a RUN: declared ARGs not shadowed by an ENV, and undeclared proxy ARGs. */
  runEnv(): Array<[string, string]>;
  /** Names consumed by an ARG of this stage (for `unconsumedBuildArgs`). */
  declared(): ReadonlySet<string>;
  /**
   * The scope of a stage built `FROM` this one: BuildKit starts it from this stage's state, so this
   * stage's ENV and ARG values are set there (lookup, RUN), but its ARGs are not re-declared there
   * (not in `buildArgs()`, not consuming build args).
   */
  fork(): ArgScope;
}

interface State {
  env: Map<string, string>;
  args: Map<string, string | undefined>;
  /** ARG values set by the stage this one is built FROM. */
  inherited: Map<string, string>;
}

export function createArgScope(globals: GlobalArgs, opts: ScopeOptions, from?: State): ArgScope {
  const state: State = from ?? { env: new Map(), args: new Map(), inherited: new Map() };
  const lookup: Lookup = (name) => {
    if (state.env.has(name)) return state.env.get(name);
    if (state.args.has(name)) return state.args.get(name);
    return state.inherited.get(name);
  };
  const esc = opts.escape ?? "\\";

  function declareOne(arg: ArgDecl): void {
    const given = opts.buildArgs.get(arg.name);
    let value: string | undefined;
    if (given !== undefined) value = given;
    else if (arg.default !== undefined) value = processWord(arg.default, lookup, { escape: esc });
    else value = globals.values.get(arg.name);
    state.args.delete(arg.name);
    state.args.set(arg.name, value);
  }

  return {
    declare(inst) {
      for (const arg of inst.args) at(inst.location, () => declareOne(arg));
    },
    setEnv(name, value) {
      state.env.set(name, value);
    },
    lookup,
    buildArgs: () => [...state.args.keys()].map((k) => [k, lookup(k) ?? ""]),
    runEnv() {
      const out: Array<[string, string]> = [];
      for (const [k, v] of state.inherited) if (!state.args.has(k) && !state.env.has(k)) out.push([k, v]);
      for (const [k, v] of state.args) if (v !== undefined && !state.env.has(k)) out.push([k, v]);
      for (const k of PROXY_ARGS) {
        const v = opts.buildArgs.get(k);
        if (v !== undefined && lookup(k) === undefined) out.push([k, v]);
      }
      return out;
    },
    declared: () => new Set(state.args.keys()),
    fork() {
      const inherited = new Map(state.inherited);
      for (const [k, v] of state.args) if (v !== undefined) inherited.set(k, v);
      return createArgScope(globals, opts, { env: new Map(state.env), args: new Map(), inherited });
    },
  };
}

/** Build args that no ARG consumed (predefined ones excepted), sorted, for Docker's warning. */
export function unconsumedBuildArgs(
  buildArgs: Iterable<string>,
  consumed: Iterable<ReadonlySet<string>>,
): string[] {
  const all = [...consumed];
  return [...buildArgs].filter((k) => !isPredefinedArg(k) && !all.some((s) => s.has(k))).sort();
}

/** `[Warning] One or more build-args [A B] were not consumed`, as Docker prints it. */
export function unconsumedWarning(names: string[]): string {
  return `[Warning] One or more build-args [${names.join(" ")}] were not consumed`;
}

import { readFile } from "node:fs/promises";
import { errnoCode, WharfError } from "../errors/index.js";
import type { ContainerConfig } from "../oci/index.js";
import { DEFAULT_PATH } from "./spec-defaults.js";

function key(entry: string): string {
  const i = entry.indexOf("=");
  return i < 0 ? entry : entry.slice(0, i);
}

/**
 * One `-e` value as Docker reads it: `K=V` as given; a bare `K` takes the host's value, or is
 * dropped when the host has none.
 */
export function expandEnvArg(arg: string, hostEnv: NodeJS.ProcessEnv = process.env): string | undefined {
  if (arg.includes("=")) {
    if (arg.startsWith("=")) throw new WharfError("invalid-argument", `invalid environment variable: ${arg}`);
    return arg;
  }
  if (arg === "") throw new WharfError("invalid-argument", "invalid environment variable: empty name");
  const v = hostEnv[arg];
  return v === undefined ? undefined : `${arg}=${v}`;
}

/** Parses an `--env-file`: one variable a line, `#` comments and blank lines skipped. */
export function parseEnvFile(text: string, hostEnv: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, "");
    if (line === "" || line.startsWith("#")) continue;
    if (/\s/.test(key(line))) {
      throw new WharfError("invalid-argument", `variable '${key(line)}' contains whitespaces`);
    }
    const v = expandEnvArg(line, hostEnv);
    if (v !== undefined) out.push(v);
  }
  return out;
}

export async function readEnvFile(path: string, hostEnv?: NodeJS.ProcessEnv): Promise<string[]> {
  try {
    return parseEnvFile(await readFile(path, "utf8"), hostEnv);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") {
      throw new WharfError("invalid-argument", `open ${path}: no such file or directory`);
    }
    throw e;
  }
}

/**
 * The container's environment as Docker builds it: HOSTNAME, TERM=xterm with a TTY, the image's
 * variables, then the user's (a later one wins by name), and PATH when nobody set it.
 */
export function mergeEnv(opts: {
  image: readonly string[] | undefined;
  user: readonly string[] | undefined;
  hostname: string;
  tty: boolean;
  home?: string;
}): string[] {
  const order: string[] = [];
  const values = new Map<string, string>();
  const set = (entry: string) => {
    const k = key(entry);
    if (!values.has(k)) order.push(k);
    values.set(k, entry);
  };
  set(`HOSTNAME=${opts.hostname}`);
  if (opts.tty) set("TERM=xterm");
  for (const e of opts.image ?? []) set(e);
  for (const e of opts.user ?? []) set(e);
  if (!values.has("PATH")) set(`PATH=${DEFAULT_PATH}`);
  if (opts.home !== undefined && !values.has("HOME")) set(`HOME=${opts.home}`);
  return order.map((k) => values.get(k) as string);
}

/**
 * Docker's Entrypoint/Cmd rules: `--entrypoint` replaces the image's entrypoint and drops its Cmd;
 * arguments after the image replace Cmd. The process is entrypoint followed by cmd.
 */
export function resolveCommand(
  image: ContainerConfig | undefined,
  entrypoint: string[] | undefined,
  args: string[] | undefined,
): string[] {
  const ep = entrypoint ?? image?.Entrypoint ?? [];
  const cmd = args && args.length > 0 ? args : entrypoint !== undefined ? [] : (image?.Cmd ?? []);
  const argv = [...ep.filter((a, i) => !(i === 0 && a === "" && ep.length === 1)), ...cmd];
  if (argv.length === 0) {
    throw new WharfError("usage", "No command specified", {
      hint: "the image has no Entrypoint or Cmd: give a command after the image name",
    });
  }
  return argv;
}

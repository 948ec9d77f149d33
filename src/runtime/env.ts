import { WharfError } from "../errors/index.js";
import type { ContainerConfig } from "../oci/index.js";
import { DEFAULT_PATH } from "./spec-defaults.js";

function key(entry: string): string {
  const i = entry.indexOf("=");
  return i < 0 ? entry : entry.slice(0, i);
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

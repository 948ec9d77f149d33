/** `-e` and `--env-file` values as Docker's CLI reads them (for `run`, `create` and `exec`). */
import { readFile } from "node:fs/promises";
import { errnoCode, WharfError } from "../../errors/index.js";

function key(entry: string): string {
  const i = entry.indexOf("=");
  return i < 0 ? entry : entry.slice(0, i);
}

/**
 * One `-e` value as Docker reads it: `K=V` as given; a bare `K` takes the host's value, or is
 * dropped when the host has none.
 */
export function expandEnvArg(arg: string, hostEnv: NodeJS.ProcessEnv = process.env): string | undefined {
  // The docker CLI's words for the flag.
  const bad = () =>
    new WharfError(
      "invalid-argument",
      `invalid argument "${arg}" for "-e, --env" flag: invalid environment variable: ${arg}`,
      {
        hint: "give -e NAME=VALUE, or -e NAME to pass this shell's value",
      },
    );
  if (arg.includes("=")) {
    if (arg.startsWith("=")) throw bad();
    return arg;
  }
  if (arg === "") throw bad();
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

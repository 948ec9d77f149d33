import { WharfError } from "../../errors/index.js";

/**
 * A `--filter` value without `=`, refused as the docker CLI's filter flag refuses it (pflag's
 * `invalid argument "X" for "-f, --filter" flag: ...`; prune verbs have no `-f` for it).
 */
export function badFilterFormat(raw: string, short = true): WharfError {
  const flag = short ? "-f, --filter" : "--filter";
  return new WharfError(
    "invalid-argument",
    `invalid argument ${JSON.stringify(raw)} for "${flag}" flag: bad format of filter (expected name=value)`,
    { hint: "give --filter NAME=VALUE, e.g. --filter label=team=web" },
  );
}

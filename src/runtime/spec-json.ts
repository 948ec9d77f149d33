import { randomHex } from "../digest/index.js";

/** RLIM_INFINITY, which `--ulimit` writes as -1. */
const RLIM_INFINITY = 18446744073709551615n;

/**
 * The OCI spec's JSON text (config.json), as JSON.stringify writes it, with the uint64s that a
 * double cannot hold written as their exact integer literals, which runc reads into a uint64: a
 * bigint (a seccomp profile's number of 2^53 or more) and an rlimit's -1 (`--ulimit`'s unlimited,
 * RLIM_INFINITY). Such a value goes through JSON.stringify as a string with a mark no other string
 * of the spec can hold (random), and the mark's quotes are then taken off.
 */
export function specJson(spec: unknown): string {
  let mark = "";
  const json = JSON.stringify(spec, (key, v: unknown) => {
    const exact = (key === "soft" || key === "hard") && v === -1 ? RLIM_INFINITY : v;
    if (typeof exact !== "bigint") return v;
    mark ||= `wharf-uint64-${randomHex(8)}:`;
    return `${mark}${exact}`;
  });
  return mark === "" ? json : json.replaceAll(new RegExp(`"${mark}(\\d+)"`, "g"), "$1");
}

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { configDir } from "../../auth/index.js";
import type { Context } from "../context.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";

/**
 * The verification flags of pull, run and create (podman's and Docker's names). Kept apart from
 * `trust-verify.ts` so that the run path's flag table loads no registry client.
 */
export const TRUST_FLAGS: FlagSpec[] = [
  {
    name: "signature-policy",
    type: "string",
    valueName: "file",
    description: "Verify signatures with this containers-policy.json",
  },
  { name: "disable-content-trust", type: "bool", default: true, description: "Skip image verification" },
];

/** Docker's trust directory: `$DOCKER_CONFIG/trust` (`~/.docker/trust`): `trust key generate` writes keys there. */
export function trustDir(ctx: Context): string {
  return join(configDir({ env: ctx.env }), "trust");
}

/** Content trust as Docker's CLI decides it: `--disable-content-trust=false`, else `DOCKER_CONTENT_TRUST`. */
export function contentTrustOn(ctx: Context, f?: ParsedFlags): boolean {
  if (f?.given.has("disable-content-trust")) return f.values["disable-content-trust"] === false;
  const v = ctx.env.DOCKER_CONTENT_TRUST ?? "";
  return v !== "" && !["0", "f", "F", "false", "FALSE", "False"].includes(v);
}

/**
 * The signature policy's file: `--signature-policy`, else `$XDG_CONFIG_HOME/containers/policy.json`
 * (`~/.config/...`), else `/etc/containers/policy.json`; undefined when there is none.
 */
export function policyPath(ctx: Context, f?: ParsedFlags): string | undefined {
  const given = f?.values["signature-policy"];
  if (typeof given === "string" && given !== "") return given;
  const home = ctx.env.HOME ?? "";
  const user = join(ctx.env.XDG_CONFIG_HOME || join(home, ".config"), "containers", "policy.json");
  return [user, "/etc/containers/policy.json"].find((p) => existsSync(p));
}

/**
 * True when nothing can be refused: content trust off, and no policy or one whose only rule is
 * the default `insecureAcceptAnything` (Debian's `/etc/containers/policy.json`). Lets `run` of a
 * local image skip loading the verifier; anything else (or a file that does not parse) goes the
 * full way, which reports errors properly.
 */
export function acceptsAnything(ctx: Context, f?: ParsedFlags): boolean {
  if (contentTrustOn(ctx, f)) return false;
  const path = policyPath(ctx, f);
  if (path === undefined) return true;
  try {
    const doc = JSON.parse(readFileSync(path, "utf8")) as { default?: unknown; transports?: unknown };
    const keys = Object.keys(doc);
    const only = Array.isArray(doc.default) && doc.default.length === 1 ? doc.default[0] : undefined;
    return (
      keys.every((k) => k === "default" || k === "transports") &&
      (doc.transports === undefined ||
        (typeof doc.transports === "object" &&
          doc.transports !== null &&
          Object.keys(doc.transports).length === 0)) &&
      JSON.stringify(only) === '{"type":"insecureAcceptAnything"}'
    );
  } catch {
    return false;
  }
}

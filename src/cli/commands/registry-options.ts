import { dockerCredentials, hostnameOf, INDEX_SERVER, isDockerHub } from "../../auth/index.js";
import type { TransportOptions } from "../../remote/index.js";
import { flag } from "../command.js";
import type { Context } from "../context.js";
import type { FlagSpec, ParsedFlags } from "../flags.js";
import { VERSION } from "../version.js";
import { proxyVariables, readDaemonConfig } from "./daemon-config.js";

/**
 * `--insecure-registry HOST[:PORT]` on the verbs that talk to registries: plain HTTP and unverified
 * TLS for that registry (loopback registries are always allowed). `WHARF_INSECURE_REGISTRIES`
 * (comma- or space-separated) adds to it, as Docker's daemon.json `insecure-registries` would.
 */
export const INSECURE_FLAG: FlagSpec = {
  name: "insecure-registry",
  type: "strings",
  valueName: "list",
  description: "Allow plain HTTP and unverified TLS for this registry (host[:port])",
};

export function insecureRegistries(
  ctx: Context,
  f?: ParsedFlags,
  daemon = readDaemonConfig(ctx.env),
): string[] {
  const fromEnv = (ctx.env.WHARF_INSECURE_REGISTRIES ?? "").split(/[\s,]+/).filter(Boolean);
  const cidrs = daemon.insecureRegistries.filter((h) => h.includes("/") && !h.includes("://"));
  const hosts = daemon.insecureRegistries.filter((h) => !cidrs.includes(h));
  return [...fromEnv, ...hosts, ...(f ? flag.strings(f, "insecure-registry") : [])]
    .map((h) => hostnameOf(h))
    .concat(cidrs);
}

/** The auth options for Docker's config.json as this context sees it (`DOCKER_CONFIG`, `HOME`). */
export function authOptions(ctx: Context): { env: NodeJS.ProcessEnv } {
  return { env: ctx.env };
}

/**
 * Transport options for a verb: Docker's credentials, insecure registries, wharf's user agent, and
 * what Docker's daemon.json says of registries (`insecure-registries`, `registry-mirrors`, `proxies`).
 */
export function transportOptions(ctx: Context, f?: ParsedFlags): TransportOptions {
  const daemon = readDaemonConfig(ctx.env);
  return {
    credentials: dockerCredentials(authOptions(ctx)),
    insecureRegistries: insecureRegistries(ctx, f, daemon),
    ...(daemon.mirrors.length > 0 ? { mirrors: daemon.mirrors } : {}),
    // Read by the transport (remote stays out of a run's start-up until a pull needs it).
    proxyVariables: proxyVariables(ctx.env, daemon),
    userAgent: `wharf/${VERSION} (node ${process.version}; ${process.platform}/${process.arch})`,
  };
}

/** The registry a `login`/`logout` argument names: `docker.io` for Docker Hub, else its host. */
export function serverDomain(server: string): string {
  return isDockerHub(server) ? "docker.io" : hostnameOf(server);
}

export { INDEX_SERVER };

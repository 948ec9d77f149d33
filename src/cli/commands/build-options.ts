/**
 * build's option strings read into the build module's options, by the docker CLI's rules and with
 * its messages: `--build-arg`, `--label`, `--secret`, `--output`, `--ssh`, `--cache-from`, `--cache-to`.
 */
import { statSync } from "node:fs";
import { isIP } from "node:net";
import type {
  BuildOutput,
  CacheExport,
  CacheImport,
  ExtraHost,
  SecretSource,
  SshAgent,
} from "../../build/index.js";
import { WharfError } from "../../errors/index.js";
import { keyValues } from "../parse/key-values.js";
import { headAndList } from "../parse/mounts.js";
import { labelsOf } from "./common-flags.js";

export function usage(message: string, hint: string): WharfError {
  return new WharfError("usage", message, { hint });
}

/** `--build-arg K=V` (or `K`: the value of `$K`, skipped when unset, as the docker CLI does). */
export function parseBuildArgs(values: readonly string[], env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf("=");
    if (i === 0) throw usage(`invalid build-arg: ${v}`, "write --build-arg NAME=VALUE");
    if (i > 0) out[v.slice(0, i)] = v.slice(i + 1);
    else if (env[v] !== undefined) out[v] = env[v] as string;
  }
  return out;
}

export function parseLabels(values: readonly string[]): Record<string, string> {
  const bad = values.find((v) => v.startsWith("="));
  if (bad !== undefined) throw usage(`invalid label: ${bad}`, "write --label KEY=VALUE");
  return labelsOf(values);
}

/** `--secret id=x,src=FILE|env=VAR` (also `source=`, `type=file|env`). */
export function parseSecret(spec: string): SecretSource {
  const m = keyValues(spec);
  const id = m.get("id");
  if (!id)
    throw usage(
      `invalid secret ${spec}: id= is required`,
      "write --secret id=NAME,src=FILE or id=NAME,env=VAR",
    );
  const src = m.get("src") ?? m.get("source");
  const envVar = m.get("env");
  const type = m.get("type");
  if (type === "env" || (envVar !== undefined && src === undefined)) return { id, env: envVar ?? src ?? id };
  return src !== undefined ? { id, file: src } : { id };
}

/** `-o DIR`, `--output type=local,dest=DIR`, `type=tar|oci,dest=FILE` or `type=docker,dest=FILE|-`. */
export function parseOutput(spec: string): BuildOutput {
  // BuildKit: `-o -` is a tar of the result on stdout; a bare path is a local directory.
  if (spec === "-") return { type: "tar", dest: "-" };
  if (!spec.includes("=")) return { type: "local", dest: spec };
  const m = keyValues(spec);
  const type = m.get("type") ?? "local";
  const dest = m.get("dest");
  if (!dest) throw usage(`invalid output ${spec}: dest= is required`, "write --output type=local,dest=DIR");
  if (type === "local" && dest === "-") return { type: "tar", dest };
  if (type === "local" || type === "oci" || type === "tar") return { type, dest };
  if (type === "docker") {
    const name = m.get("name");
    return { type, dest, ...(name ? { name } : {}) };
  }
  throw usage(
    `output type ${type} is not supported`,
    "wharf build exports type=local,dest=DIR, type=tar,dest=FILE|-, type=oci,dest=FILE and type=docker,dest=FILE|-",
  );
}

/** `--ssh default` (the agent of $SSH_AUTH_SOCK) or `--ssh ID=SOCKET`; key files need an agent. */
export function parseSsh(spec: string, env: NodeJS.ProcessEnv): SshAgent {
  const [id, paths] = headAndList(spec, "=");
  if (!id)
    throw usage(
      `invalid ssh ${spec}: the id is empty`,
      "write --ssh default or --ssh ID=/path/to/agent.sock",
    );
  if (paths.length === 0) {
    const socket = env.SSH_AUTH_SOCK;
    if (!socket)
      throw usage(
        "invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set",
        "start an agent (eval $(ssh-agent)) or give --ssh ID=/path/to/agent.sock",
      );
    return { id, socket };
  }
  const socket = paths[0] as string;
  let isSocket = false;
  try {
    isSocket = statSync(socket).isSocket();
  } catch {
    throw usage(`ssh ${id}: ${socket} does not exist`, "give the path of an SSH agent's socket");
  }
  if (paths.length > 1 || !isSocket)
    throw usage(
      `ssh ${id}: ${socket} is not an agent socket: wharf build forwards agents only`,
      `load the key into an agent (ssh-add KEY) and pass --ssh ${id}`,
    );
  return { id, socket };
}

const CACHE_HINT =
  "write type=registry,ref=NAME[:TAG][,mode=min|max], type=local,dest=DIR or type=inline (--cache-to), type=local,src=DIR (--cache-from)";

/** `--cache-from NAME` or `type=registry,ref=NAME`, `type=local,src=DIR[,tag=T]`. */
export function parseCacheFrom(spec: string): CacheImport {
  if (!spec.includes("=")) return { type: "registry", ref: spec };
  const m = keyValues(spec);
  const type = m.get("type") ?? "registry";
  if (type === "registry") {
    const ref = m.get("ref");
    if (!ref) throw usage(`invalid cache-from ${spec}: ref= is required`, CACHE_HINT);
    return { type, ref };
  }
  if (type === "local") {
    const src = m.get("src");
    if (!src) throw usage(`invalid cache-from ${spec}: src= is required`, CACHE_HINT);
    const tag = m.get("tag");
    return { type, src, ...(tag ? { tag } : {}) };
  }
  throw usage(`cache type ${type} is not supported by wharf build`, CACHE_HINT);
}

/** Whether `--build-arg BUILDKIT_INLINE_CACHE=1` (or a bare one, from the environment) asks for an inline cache. */
export function inlineCacheArg(args: readonly string[], env: NodeJS.ProcessEnv): boolean {
  let value: string | undefined;
  for (const a of args) {
    const i = a.indexOf("=");
    const k = i < 0 ? a : a.slice(0, i);
    if (k === "BUILDKIT_INLINE_CACHE") value = i < 0 ? env.BUILDKIT_INLINE_CACHE : a.slice(i + 1);
  }
  return value !== undefined && ["1", "true", "t", "T", "TRUE", "True"].includes(value);
}

/**
 * `--cache-to NAME`, `type=registry,ref=NAME[,mode=min|max][,ignore-error=true]`, `type=local,dest=DIR`
 * or `type=inline` (the records in the image's config; `--cache-from` the image reads them).
 */
export function parseCacheTo(spec: string): CacheExport {
  if (!spec.includes("=")) return { type: "registry", ref: spec, mode: "min" };
  const m = keyValues(spec);
  const type = m.get("type") ?? "";
  const mode = m.get("mode") ?? "min";
  if (mode !== "min" && mode !== "max")
    throw usage(`invalid cache-to mode ${mode}`, "use mode=min or mode=max");
  const ignore = m.get("ignore-error");
  if (ignore !== undefined && !["true", "false"].includes(ignore))
    throw usage(`invalid ignore-error value ${ignore}`, "use ignore-error=true or false");
  const common = { mode, ...(ignore === "true" ? { ignoreError: true } : {}) } as const;
  if (type === "inline") {
    // BuildKit's inline cache holds the final image's steps only.
    if (mode === "max")
      throw usage("inline cache does not support mode=max", "use --cache-to type=registry,ref=NAME,mode=max");
    return { type, ...common };
  }
  if (type === "registry") {
    const ref = m.get("ref");
    if (!ref) throw usage(`invalid cache-to ${spec}: ref= is required`, CACHE_HINT);
    return { type, ref, ...common };
  }
  if (type === "local") {
    const dest = m.get("dest");
    if (!dest) throw usage(`invalid cache-to ${spec}: dest= is required`, CACHE_HINT);
    const tag = m.get("tag");
    return { type, dest, ...(tag ? { tag } : {}), ...common };
  }
  throw usage(
    type === ""
      ? `invalid cache-to ${spec}: type= is required`
      : `cache type ${type} is not supported by wharf build`,
    CACHE_HINT,
  );
}

/**
 * `--build-context NAME=VALUE` (repeatable; a later NAME replaces an earlier one): the values as
 * given; the build module reads them (directory, `docker-image://`, or refused).
 */
export function parseBuildContexts(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    if (v === "") continue;
    const i = v.indexOf("=");
    if (i < 0)
      throw usage(
        `invalid context value: ${v}, expected key=value`,
        "write --build-context NAME=DIR or NAME=docker-image://REF",
      );
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

/**
 * `--no-cache-filter STAGE[,STAGE...]` (repeatable): the stage names. As buildx joins them with
 * commas and BuildKit splits them again, values given that join to nothing mean every stage
 * (`--no-cache`).
 */
export function parseNoCacheFilter(values: readonly string[]): { noCache: boolean; stages: string[] } {
  if (values.length === 0) return { noCache: false, stages: [] };
  const joined = values.join(",");
  return joined === "" ? { noCache: true, stages: [] } : { noCache: false, stages: joined.split(",") };
}

/**
 * `--add-host HOST=IP` or `HOST:IP` (buildx cuts at the first `=`, else the first `:`, so
 * `h:::1` is IPv6); the IP may be in brackets, or `host-gateway`. Repeatable, and comma-separated.
 */
export function parseAddHosts(values: readonly string[]): ExtraHost[] {
  // A string slice, as buildx declares it: `a:1.2.3.4,b:5.6.7.8` is two entries.
  return values
    .flatMap((x) => x.split(","))
    .map((v) => {
      const i = v.includes("=") ? v.indexOf("=") : v.indexOf(":");
      const host = i < 0 ? "" : v.slice(0, i);
      let ip = i < 0 ? "" : v.slice(i + 1);
      if (ip.length > 2 && ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
      if (host === "" || ip === "" || (ip !== "host-gateway" && isIP(ip) === 0))
        throw usage(`invalid host ${v}`, "write --add-host HOST:IP (or HOST=IP, or HOST:host-gateway)");
      return { host, ip };
    });
}

import { statSync, writeFileSync } from "node:fs";
import {
  type BuildOutput,
  build,
  type CacheExport,
  type CacheImport,
  type ProgressMode,
  type SecretSource,
  type SshAgent,
} from "../../build/index.js";
import { WharfError } from "../../errors/index.js";
import { parseReference } from "../../reference/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import { keyValues } from "../parse/key-values.js";
import { headAndList } from "../parse/mounts.js";
import { BUILD_EXPORT_FLAGS, buildExportOf, writeMetadata } from "./build-export-flags.js";
import { buildTrust } from "./build-trust.js";
import { labelsOf } from "./common-flags.js";
import { INSECURE_FLAG, transportOptions } from "./registry-options.js";
import { TRUST_FLAGS } from "./trust-flags.js";

function usage(message: string, hint: string): WharfError {
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

function parseLabels(values: readonly string[]): Record<string, string> {
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

/** `-o DIR`, `--output type=local,dest=DIR` or `type=oci,dest=FILE`. */
export function parseOutput(spec: string): BuildOutput {
  if (!spec.includes("=")) return { type: "local", dest: spec };
  const m = keyValues(spec);
  const type = m.get("type") ?? "local";
  const dest = m.get("dest");
  if (!dest) throw usage(`invalid output ${spec}: dest= is required`, "write --output type=local,dest=DIR");
  if (type === "local" || type === "oci") return { type, dest };
  throw usage(
    `output type ${type} is not supported`,
    "wharf build exports type=local,dest=DIR and type=oci,dest=FILE",
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
  "write type=registry,ref=NAME[:TAG][,mode=min|max] or type=local,dest=DIR (--cache-to), type=local,src=DIR (--cache-from)";

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

/** `--cache-to NAME`, `type=registry,ref=NAME[,mode=min|max][,ignore-error=true]` or `type=local,dest=DIR`. */
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

function progressMode(ctx: Context, v: string | undefined, quiet: boolean): ProgressMode {
  if (quiet) return "quiet";
  const mode = v ?? ctx.env.BUILDKIT_PROGRESS ?? "auto";
  if (mode === "auto" || mode === "plain" || mode === "tty" || mode === "quiet") return mode;
  if (mode === "rawjson") throw usage("--progress rawjson is not supported", "use auto, plain, tty or quiet");
  throw usage(`invalid progress mode: ${mode}`, "use auto, plain, tty or quiet");
}

export const command: Command = {
  path: ["build"],
  aliases: [
    ["image", "build"],
    ["builder", "build"],
  ],
  usage: "[OPTIONS] PATH | -",
  description: "Build an image from a Dockerfile",
  flags: [
    {
      name: "tag",
      short: "t",
      type: "strings",
      valueName: "list",
      description: 'Name and optionally a tag (format: "name:tag")',
    },
    {
      name: "file",
      short: "f",
      type: "string",
      description: 'Name of the Dockerfile (default: "PATH/Dockerfile")',
    },
    { name: "build-arg", type: "strings", valueName: "list", description: "Set build-time variables" },
    { name: "target", type: "string", description: "Set the target build stage to build" },
    { name: "no-cache", type: "bool", description: "Do not use cache when building the image" },
    { name: "pull", type: "bool", description: "Always attempt to pull all referenced images" },
    { name: "label", type: "strings", valueName: "list", description: "Set metadata for an image" },
    { name: "platform", type: "string", description: "Set target platform for build" },
    {
      name: "quiet",
      short: "q",
      type: "bool",
      description: "Suppress the build output and print image ID on success",
    },
    { name: "iidfile", type: "string", description: "Write the image ID to the file" },
    {
      name: "secret",
      type: "strings",
      valueName: "stringArray",
      description: 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]")',
    },
    {
      name: "ssh",
      type: "strings",
      valueName: "stringArray",
      description: 'SSH agent socket to expose to the build (format: "default|<id>[=<socket>]")',
    },
    {
      name: "network",
      type: "string",
      description: "Set the networking mode for the RUN instructions during build (host, none)",
    },
    {
      name: "progress",
      type: "string",
      description: 'Set type of progress output ("auto", "plain", "tty", "quiet")',
    },
    {
      name: "output",
      short: "o",
      type: "strings",
      valueName: "stringArray",
      description: 'Output destination (format: "type=local,dest=path")',
    },
    {
      name: "cache-from",
      type: "strings",
      valueName: "stringArray",
      description: 'External cache sources (e.g., "user/app:cache", "type=local,src=path/to/dir")',
    },
    {
      name: "cache-to",
      type: "strings",
      valueName: "stringArray",
      description: 'Cache export destinations (e.g., "user/app:cache", "type=local,dest=path/to/dir")',
    },
    ...BUILD_EXPORT_FLAGS,
    INSECURE_FLAG,
    ...TRUST_FLAGS,
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    const quiet = flag.bool(f, "quiet");
    const exported = buildExportOf(f);
    const network = flag.string(f, "network");
    if (network !== undefined && !["default", "host", "none"].includes(network)) {
      throw usage(
        `network mode "${network}" not supported by wharf build`,
        "use --network=host (the default) or none",
      );
    }
    const file = flag.string(f, "file");
    const context = f.args[0] as string;
    if (context === "-" && file === "-")
      throw usage(
        "invalid argument: can't use stdin for both build context and dockerfile",
        "give the context as a directory",
      );
    const iidfile = flag.string(f, "iidfile");
    const cacheFrom = flag.strings(f, "cache-from").map(parseCacheFrom);
    const cacheTo = flag.strings(f, "cache-to").map(parseCacheTo);
    for (const c of [...cacheFrom, ...cacheTo]) if (c.type === "registry") parseReference(c.ref);
    const progress = progressMode(ctx, flag.string(f, "progress"), quiet);
    // FROM and --from images the build pulls are verified as `wharf pull` verifies them (their
    // signatures kept beside them); those already local as `run` verifies a local image.
    const trust = await buildTrust(ctx, f, (line) => {
      if (progress !== "quiet") ctx.stderr.write(`${line}\n`);
    });
    const result = await build({
      root: ctx.root,
      context,
      ...(file ? { file } : {}),
      stdin: ctx.stdin,
      tags: [...flag.strings(f, "tag"), ...exported.names],
      buildArgs: parseBuildArgs(flag.strings(f, "build-arg"), ctx.env),
      labels: parseLabels(flag.strings(f, "label")),
      ...(flag.string(f, "target") ? { target: flag.string(f, "target") as string } : {}),
      noCache: flag.bool(f, "no-cache"),
      pull: flag.bool(f, "pull"),
      ...(flag.string(f, "platform") ? { platform: flag.string(f, "platform") as string } : {}),
      secrets: flag.strings(f, "secret").map(parseSecret),
      ssh: flag.strings(f, "ssh").map((s) => parseSsh(s, ctx.env)),
      ...(network ? { network: network as "default" | "host" | "none" } : {}),
      outputs: exported.outputs.map(parseOutput),
      push: exported.push,
      env: ctx.env,
      transport: transportOptions(ctx, f),
      cacheFrom,
      cacheTo,
      ...trust,
      progress,
      progressOut: ctx.stderr,
    });
    if (iidfile) writeFileSync(iidfile, result.id);
    const metadata = flag.string(f, "metadata-file");
    if (metadata) writeMetadata(metadata, result);
    if (quiet) ctx.out(result.id);
    return 0;
  },
};

import { writeFileSync } from "node:fs";
import {
  build,
  buildAttested,
  buildPlatforms,
  checkAnswer,
  checkOnly,
  lintError,
  type ProgressMode,
  splitPlatforms,
} from "../../build/index.js";
import { formatPlatform } from "../../oci/index.js";
import { familiarString, parseReference } from "../../reference/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import { annotationsFlag, entitlementsOf } from "./build-buildx-flags.js";
import { callMetadata, callResult, parseCall } from "./build-call.js";
import { BUILD_EXPORT_FLAGS, buildExportOf, writeMetadata } from "./build-export-flags.js";
import { BUILD_LEGACY_FLAGS, legacyBuildOptions } from "./build-legacy-flags.js";
import {
  inlineCacheArg,
  parseAddHosts,
  parseBuildArgs,
  parseBuildContexts,
  parseCacheFrom,
  parseCacheTo,
  parseLabels,
  parseNoCacheFilter,
  parseOutput,
  parseSecret,
  parseSsh,
  usage,
} from "./build-options.js";
import { buildTrust } from "./build-trust.js";
import { checkBuilderName } from "./buildx-builder.js";
import { configProxyVars } from "./config-proxies.js";
import { imageEvent } from "./image-events.js";
import { interruptible, isInterrupted } from "./interrupt.js";
import { INSECURE_FLAG, transportOptions } from "./registry-options.js";
import { TRUST_FLAGS } from "./trust-flags.js";

/** The docker CLI's config.json proxies as build args (BuildKit's predefined proxy ARGs), unless given. */
function withConfigProxies(args: Record<string, string>, env: NodeJS.ProcessEnv): Record<string, string> {
  for (const kv of configProxyVars(env, (n) => n in args)) {
    const i = kv.indexOf("=");
    args[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return args;
}

/** Go's `json.MarshalIndent` (bake's encoder), loaded only by `--call`: a build never needs it. */
const goEncoder = async (): Promise<(v: unknown) => string> => (await import("../../bake/index.js")).goJson;

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
    ["buildx", "build"],
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
    {
      name: "no-cache-filter",
      type: "strings",
      valueName: "stringArray",
      description: "Do not cache specified stages",
    },
    {
      name: "allow",
      type: "strings",
      valueName: "stringArray",
      description: 'Allow extra privileged entitlement (e.g., "network.host", "security.insecure")',
    },
    {
      name: "add-host",
      type: "strings",
      valueName: "strings",
      description: 'Add a custom host-to-IP mapping (format: "host:ip")',
    },
    {
      name: "build-context",
      type: "strings",
      valueName: "stringArray",
      description: "Additional build contexts (e.g., name=path)",
    },
    { name: "pull", type: "bool", description: "Always attempt to pull all referenced images" },
    { name: "label", type: "strings", valueName: "list", description: "Set metadata for an image" },
    { name: "builder", type: "string", description: "Override the configured builder instance" },
    {
      name: "annotation",
      type: "strings",
      valueName: "stringArray",
      description: "Add annotation to the image",
    },
    {
      name: "platform",
      type: "strings",
      valueName: "stringArray",
      envDefault: "DOCKER_DEFAULT_PLATFORM",
      description: "Set target platform for build",
    },
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
    { name: "check", type: "bool", description: 'Shorthand for "--call=check"' },
    {
      name: "call",
      type: "string",
      description: 'Set method for evaluating build ("check", "outline", "targets") (default "build")',
    },
    ...BUILD_EXPORT_FLAGS,
    ...BUILD_LEGACY_FLAGS,
    INSECURE_FLAG,
    ...TRUST_FLAGS,
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, f) {
    // buildx's builder selection: wharf has one, `default` (BUILDX_BUILDER too, as buildx reads it).
    checkBuilderName(
      flag.string(f, "builder") ?? (ctx.env.BUILDX_BUILDER || undefined),
      (n) => `no builder ${n} found`,
    );
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
    const {
      method: call,
      format: callFormat,
      ignoreStatus,
    } = parseCall(flag.bool(f, "check") ? "check" : (flag.string(f, "call") ?? "build"));
    const metadataFile = flag.string(f, "metadata-file");
    if (call === "outline" || call === "targets") {
      // buildx's subrequests: the Dockerfile read, nothing built (build-call.ts).
      const r = await checkOnly({ root: ctx.root, context, ...(file ? { file } : {}), stdin: ctx.stdin });
      const target = flag.string(f, "target");
      const buildArgs = parseBuildArgs(flag.strings(f, "build-arg"), ctx.env);
      const answer = (format: "text" | "json") => callResult(call, format, r.file, r.text, target, buildArgs);
      // --metadata-file: the subrequest's response (both forms), as buildx writes it before printing.
      if (metadataFile) {
        const json = JSON.parse(answer("json").join("\n"));
        const meta = callMetadata(
          json,
          answer("text")
            .map((l) => `${l}\n`)
            .join(""),
        );
        writeFileSync(metadataFile, `${(await goEncoder())(meta)}\n`);
      }
      for (const l of answer(callFormat)) ctx.out(l);
      return 0;
    }
    if (call === "check") {
      // BuildKit's build checks only, nothing built, printed as buildx prints the result (build/
      // checks.ts's checkAnswer, bake's printer too): the count line, then each warning; exit 1
      // with a warning (result.statuscode) unless ignorestatus=true; error=true fails after them.
      const buildArgs = parseBuildArgs(flag.strings(f, "build-arg"), ctx.env);
      const r = await checkOnly({
        root: ctx.root,
        context,
        ...(file ? { file } : {}),
        stdin: ctx.stdin,
        buildArgs,
      });
      const a = checkAnswer(r.findings, r.config, r.file, r.text);
      if (metadataFile)
        writeFileSync(metadataFile, `${(await goEncoder())(callMetadata(a.results, a.txt, a.status))}\n`);
      if (callFormat === "json") ctx.out((await goEncoder())(a.results));
      else for (const l of a.lines) ctx.out(l);
      if (a.error !== undefined) throw lintError(r.findings, "");
      return ignoreStatus ? 0 : a.status;
    }
    const iidfile = flag.string(f, "iidfile");
    const noCacheFilter = parseNoCacheFilter(flag.strings(f, "no-cache-filter"));
    const buildContexts = parseBuildContexts(flag.strings(f, "build-context"));
    const extraHosts = parseAddHosts(flag.strings(f, "add-host"));
    const legacy = legacyBuildOptions(f, (line) => ctx.err(line));
    const cacheFrom = flag.strings(f, "cache-from").map(parseCacheFrom);
    const cacheTo = flag.strings(f, "cache-to").map(parseCacheTo);
    // BuildKit's switch for an inline cache, as `--cache-to type=inline`.
    if (inlineCacheArg(flag.strings(f, "build-arg"), ctx.env) && !cacheTo.some((c) => c.type === "inline"))
      cacheTo.push({ type: "inline", mode: "min" });
    for (const c of [...cacheFrom, ...cacheTo]) if (c.type === "registry") parseReference(c.ref);
    const progress = progressMode(ctx, flag.string(f, "progress"), quiet);
    // FROM and --from images the build pulls are verified as `wharf pull` verifies them (their
    // signatures kept beside them); those already local as `run` verifies a local image.
    const trust = await buildTrust(ctx, f, (line) => {
      if (progress !== "quiet") ctx.stderr.write(`${line}\n`);
    });
    const outputs = exported.outputs.map(parseOutput);
    // `-o -`: stdout carries the tar, so `-q` prints no ID there.
    const stdoutTaken = outputs.some((o) => o.dest === "-");
    // `--platform a,b` (or the flag twice): one build per platform and an index naming them.
    const platforms = splitPlatforms(flag.strings(f, "platform"));
    const platform =
      platforms.length === 1 ? formatPlatform(platforms[0] as (typeof platforms)[0]) : undefined;
    // Attestations asked for: an index of the image(s) and their attestation manifests (build/attest-build.ts).
    const runBuild =
      exported.attest.provenance || exported.attest.sbom
        ? (o: Parameters<typeof build>[0]) => buildAttested(o, platforms, exported.attest)
        : platforms.length > 1
          ? (o: Parameters<typeof build>[0]) => buildPlatforms(o, platforms)
          : build;
    const outcome = await interruptible((signal) =>
      runBuild({
        signal,
        root: ctx.root,
        context,
        ...(file ? { file } : {}),
        stdin: ctx.stdin,
        tags: [...flag.strings(f, "tag"), ...exported.names],
        buildArgs: withConfigProxies(parseBuildArgs(flag.strings(f, "build-arg"), ctx.env), ctx.env),
        labels: parseLabels(flag.strings(f, "label")),
        ...annotationsFlag(flag.strings(f, "annotation")),
        ...(flag.string(f, "target") ? { target: flag.string(f, "target") as string } : {}),
        noCache: flag.bool(f, "no-cache") || noCacheFilter.noCache,
        ...(noCacheFilter.stages.length ? { noCacheFilter: noCacheFilter.stages } : {}),
        buildContexts,
        ...(extraHosts.length ? { extraHosts } : {}),
        ...legacy,
        ...entitlementsOf(flag.strings(f, "allow")),
        pull: flag.bool(f, "pull"),
        ...(platform ? { platform } : {}),
        secrets: flag.strings(f, "secret").map(parseSecret),
        ssh: flag.strings(f, "ssh").map((s) => parseSsh(s, ctx.env)),
        ...(network ? { network: network as "default" | "host" | "none" } : {}),
        outputs,
        outputStream: ctx.stdout,
        push: exported.push,
        env: ctx.env,
        transport: transportOptions(ctx, f),
        cacheFrom,
        cacheTo,
        ...trust,
        progress,
        progressOut: ctx.stderr,
      }),
    );
    if (isInterrupted(outcome)) {
      // BuildKit's words for a build its client canceled; the shell's status for the signal.
      ctx.err("Error: failed to solve: Canceled: context canceled");
      return outcome.status;
    }
    const result = outcome;
    // Docker's daemon tags a built image as `tag` does: one `tag` event per name (no name, no event;
    // an image sent to an output is not stored under its names).
    if (outputs.length === 0) {
      const labels = result.config.config?.Labels ?? {};
      for (const name of result.tags)
        imageEvent(ctx, "tag", result.id, familiarString(parseReference(name)), labels);
    }
    if (iidfile) writeFileSync(iidfile, result.id);
    if (metadataFile) writeMetadata(metadataFile, result);
    if (quiet && !stdoutTaken) ctx.out(result.id);
    return 0;
  },
};

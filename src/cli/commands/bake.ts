/**
 * `buildx bake [OPTIONS] [TARGET...]` (also `docker bake`, `buildx f`): the targets of bake files
 * (HCL, JSON, Compose; `bake/`) built with wharf's builder, each as `wharf build` builds, those a
 * `target:` context names first. `--print` and `--list` build nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import {
  type BakeFile,
  type CallAnswer,
  callAttribute,
  callDocument,
  callStatus,
  callText,
  defaultFiles,
  displayValue,
  goJson,
  linkedTargets,
  listTargets,
  loadDefinition,
  type Override,
  parseCallSpec,
  parseOverride,
  plan,
  printDefinition,
  schedule,
  sortedKeys,
  type Target,
  tabTable,
} from "../../bake/index.js";
import {
  type BuildOptions,
  build,
  buildAttested,
  buildPlatforms,
  createProgress,
  errorBoxOf,
  type ProgressMode,
  sharedProgress,
  splitPlatforms,
} from "../../build/index.js";
import { WharfError } from "../../errors/index.js";
import { openImages, untagImage } from "../../images/index.js";
import { formatPlatform, hostPlatform } from "../../oci/index.js";
import { familiarString, parseReference } from "../../reference/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import type { ParsedFlags } from "../flags.js";
import { answerCall } from "./bake-call.js";
import { annotationsFlag, entitlementsOf } from "./build-buildx-flags.js";
import { type BuildExport, buildExportOf, metadataOf } from "./build-export-flags.js";
import { legacyBuildOptions } from "./build-legacy-flags.js";
import {
  parseAddHosts,
  parseBuildContexts,
  parseCacheFrom,
  parseCacheTo,
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
import { readStdin } from "./prompt.js";
import { transportOptions } from "./registry-options.js";

function progressMode(ctx: Context, v: string | undefined): ProgressMode {
  const mode = v ?? ctx.env.BUILDKIT_PROGRESS ?? "auto";
  if (mode === "none") return "quiet";
  if (mode === "auto" || mode === "plain" || mode === "tty" || mode === "quiet") return mode;
  throw usage(`invalid progress mode: ${mode}`, "use auto, plain, tty, quiet or none");
}

/** The files: `-f` (each, `-` is stdin) in order, else Docker's default lookup in the working directory. */
async function bakeFiles(ctx: Context, names: string[], cwd: string): Promise<BakeFile[]> {
  if (names.length === 0) return defaultFiles(cwd);
  const out: BakeFile[] = [];
  for (const name of names) {
    if (name === "-") {
      out.push({ name: "-", text: await readStdin(ctx) });
      continue;
    }
    try {
      out.push({ name, text: readFileSync(resolve(cwd, name), "utf8") });
    } catch {
      throw new WharfError("not-found", `failed to read ${name}: open ${name}: no such file or directory`, {
        hint: "give an existing bake file with -f",
      });
    }
  }
  return out;
}

/** Fake parsed flags, to read a target's values with `build`'s own flag code. */
function flagsOf(values: ParsedFlags["values"]): ParsedFlags {
  return { values, given: new Set(Object.keys(values)), args: [] };
}

const isRemote = (s: string) => /^(https?:\/\/|git:\/\/|git@|ssh:\/\/|github\.com\/)/.test(s);

export const command: Command = {
  path: ["buildx", "bake"],
  aliases: [["bake"], ["buildx", "f"]],
  usage: "[OPTIONS] [TARGET...]",
  description: "Build from a file",
  flags: [
    {
      name: "allow",
      type: "strings",
      valueName: "stringArray",
      description: "Allow build to access specified resources",
    },
    { name: "builder", type: "string", description: "Override the configured builder instance" },
    {
      name: "call",
      type: "string",
      description: 'Set method for evaluating build ("check", "outline", "targets") (default "build")',
    },
    { name: "check", type: "bool", description: 'Shorthand for "--call=check"' },
    { name: "debug", short: "D", type: "bool", description: "Enable debug logging" },
    {
      name: "file",
      short: "f",
      type: "strings",
      valueName: "stringArray",
      description: "Build definition file",
    },
    { name: "list", type: "string", description: "List targets or variables" },
    { name: "list-targets", type: "bool", hidden: true, description: "List available targets" },
    { name: "list-variables", type: "bool", hidden: true, description: "List defined variables" },
    { name: "load", type: "bool", description: 'Shorthand for "--set=*.output=type=docker"' },
    { name: "metadata-file", type: "string", description: "Write build result metadata to a file" },
    { name: "no-cache", type: "bool", description: "Do not use cache when building the image" },
    { name: "print", type: "bool", description: "Print the options without building" },
    {
      name: "progress",
      type: "string",
      description:
        'Set type of progress output ("auto", "quiet", "plain", "tty"). Use plain to show container output',
    },
    {
      name: "provenance",
      type: "string",
      description: 'Shorthand for "--set=*.attest=type=provenance"',
    },
    { name: "pull", type: "bool", description: "Always attempt to pull all referenced images" },
    { name: "push", type: "bool", description: 'Shorthand for "--set=*.output=type=registry"' },
    {
      name: "sbom",
      type: "string",
      description: 'Shorthand for "--set=*.attest=type=sbom"',
    },
    {
      name: "set",
      type: "strings",
      valueName: "stringArray",
      description: 'Override target value (e.g., "targetpattern.key=value")',
    },
    {
      name: "var",
      type: "strings",
      valueName: "stringArray",
      description: 'Set a variable value (e.g., "name=value")',
    },
  ],
  async run(ctx, f) {
    checkBuilderName(
      flag.string(f, "builder") ?? (ctx.env.BUILDX_BUILDER || undefined),
      (n) => `no builder ${n} found`,
    );
    // `--call` (or `--check`), read first as buildx does: a method other than build is set as every
    // target's `call` (`lint` for check), its format and ignorestatus apply to them all.
    const callValue = flag.bool(f, "check") ? "check" : flag.string(f, "call");
    const flagCall = callValue === undefined ? undefined : parseCallSpec(callValue);
    const callAll = flagCall && flagCall.method !== "build" ? flagCall : undefined;
    const cwd = process.cwd();
    const files = await bakeFiles(ctx, flag.strings(f, "file"), cwd);
    const def = loadDefinition({
      files,
      cwd,
      env: ctx.env,
      builtins: { BAKE_LOCAL_PLATFORM: formatPlatform(hostPlatform()), BAKE_CMD_CONTEXT: "cwd://" },
      fileRelative: ["1", "true"].includes((ctx.env.BUILDX_BAKE_FILE_RELATIVE_PATHS ?? "").toLowerCase()),
      vars: Object.fromEntries(
        flag.strings(f, "var").map((v) => {
          const i = v.indexOf("=");
          if (i <= 0)
            throw usage(`invalid value ${v} for --var: expected name=value`, "write --var NAME=VALUE");
          return [v.slice(0, i), v.slice(i + 1)];
        }),
      ),
    });

    const list =
      flag.string(f, "list") ??
      (flag.bool(f, "list-targets") ? "targets" : flag.bool(f, "list-variables") ? "variables" : undefined);
    if (list !== undefined) {
      const kv = new Map(
        list.split(",").map((p) => (p.includes("=") ? (p.split("=", 2) as [string, string]) : ["type", p])),
      );
      const type = kv.get("type");
      const format = kv.get("format") ?? "table";
      if (format !== "table" && format !== "json")
        throw usage(`invalid list format ${JSON.stringify(format)}`, "use format=table or format=json");
      const json = format === "json";
      if (type === "targets") {
        const rows = listTargets(def);
        if (json)
          ctx.stdout.write(
            `${JSON.stringify(
              rows.map((r) => ({
                name: r.name,
                ...(r.description ? { description: r.description } : {}),
                ...(r.group ? { group: true } : {}),
              })),
              null,
              2,
            )}\n`,
          );
        else
          ctx.stdout.write(
            tabTable([["TARGET", "DESCRIPTION"], ...rows.map((r) => [r.name, r.description])]),
          );
        return 0;
      }
      if (type === "variables") {
        const vars = def.variables().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        if (json)
          ctx.stdout.write(
            `${JSON.stringify(
              vars.map((v) => ({
                name: v.name,
                ...(v.description ? { description: v.description } : {}),
                ...(v.value !== null ? { value: displayValue(v.value) } : {}),
              })),
              null,
              2,
            )}\n`,
          );
        else
          ctx.stdout.write(
            tabTable([
              ["VARIABLE", "VALUE", "DESCRIPTION"],
              ...vars.map((v) => [v.name, displayValue(v.value), v.description ?? ""]),
            ]),
          );
        return 0;
      }
      throw usage(`invalid list type ${JSON.stringify(type)}`, "use --list=targets or --list=variables");
    }

    const overrides: Override[] = flag.strings(f, "set").map(parseOverride);
    if (flag.bool(f, "load"))
      overrides.push({ pattern: "*", key: "output", value: "type=docker", append: false });
    if (flag.bool(f, "push"))
      overrides.push({ pattern: "*", key: "output", value: "type=registry", append: flag.bool(f, "load") });
    if (flag.bool(f, "no-cache"))
      overrides.push({ pattern: "*", key: "no-cache", value: "true", append: false });
    if (flag.bool(f, "pull")) overrides.push({ pattern: "*", key: "pull", value: "true", append: false });
    if (callAll)
      overrides.push({ pattern: "*", key: "call", value: callAttribute(callAll.method), append: false });
    const p = plan(def, f.args, overrides);

    if (flag.bool(f, "print")) {
      ctx.out(printDefinition(p.groups, p.targets));
      return 0;
    }

    const progress = progressMode(ctx, flag.string(f, "progress"));
    // Every target's options are read before anything is built: a bad value fails the whole bake.
    const prepared = [...p.targets].map(([name, t]) => ({
      name,
      t,
      ...buildOptionsOf(ctx, f, name, t, cwd),
    }));
    const tmp = mkdtempSync(join(tmpdir(), "wharf-bake-"));
    const built = new Map<string, string>();
    const temporaryNames: string[] = [];
    const metadata: Record<string, unknown> = {};
    // Every target's steps go to one renderer: `#N` numbers one step whatever the target, and with
    // several targets each step's name carries its target's (`[app base 2/3] RUN ...`), as buildx's.
    const renderer = createProgress(progress, ctx.stderr);
    let closed = false;
    const closeRenderer = () => {
      if (!closed) renderer.close();
      closed = true;
    };
    const multi = p.targets.size > 1;
    try {
      const trust = await buildTrust(ctx, f, (line) => {
        if (progress !== "quiet") ctx.stderr.write(`${line}\n`);
      });
      const calls: { name: string; call: CallAnswer["method"]; o: BuildOptions }[] = [];
      const builds = new Map<string, (typeof prepared)[number]>();
      for (const target of prepared) {
        const { name, t, o } = target;
        // A target's `call` gives the method only (buildx keeps its name, not its options).
        const call = parseCallSpec(t.call ?? "build").method;
        if (t["dockerfile-inline"] !== undefined) {
          const file = join(tmp, `${name}.Dockerfile`);
          writeFileSync(file, t["dockerfile-inline"]);
          o.file = file;
        }
        if (call === "build") builds.set(name, target);
        else calls.push({ name, call, o });
      }
      const buildOne = async (name: string, signal: AbortSignal) => {
        const { t, o, attest } = builds.get(name) as (typeof prepared)[number];
        // A `target:` context is the image that target built (named for the build if it has no tag).
        const contexts: Record<string, string> = { ...(o.buildContexts ?? {}) };
        for (const [k, v] of Object.entries(contexts)) {
          if (!v.startsWith("target:")) continue;
          const ref = built.get(v.slice("target:".length));
          if (!ref) throw new WharfError("internal", `target ${v.slice(7)} was not built before ${name}`);
          contexts[k] = `docker-image://${ref}`;
        }
        o.buildContexts = contexts;
        // A target another's `target:` context names, when it is stored under no name (untagged,
        // or `type=cacheonly`: built only as a context), is named for the bake and unnamed after.
        const linked = [...p.targets.values()].some((x) =>
          Object.values(x.contexts ?? {}).includes(`target:${name}`),
        );
        if (linked && (o.tags ?? []).length === 0 && (o.outputs ?? []).length === 0) {
          const tmpName = `docker.io/wharf-bake-${process.pid}-${Date.now().toString(36)}/${name.toLowerCase().replace(/[^a-z0-9._-]/g, "-")}:latest`;
          o.tags = [tmpName];
          temporaryNames.push(tmpName);
        }
        // `local`: this machine's platform (buildx's word for it).
        const platforms = splitPlatforms(
          (t.platforms ?? []).map((x) => (x === "local" ? formatPlatform(hostPlatform()) : x)),
        );
        if (platforms.length === 1) o.platform = formatPlatform(platforms[0] as (typeof platforms)[0]);
        const options: BuildOptions = {
          ...o,
          ...trust,
          progress,
          progressOut: ctx.stderr,
          renderer: sharedProgress(renderer, multi ? name : undefined),
          outputStream: ctx.stdout,
          signal,
        };
        const r =
          attest.provenance || attest.sbom
            ? await buildAttested(options, platforms, attest)
            : platforms.length > 1
              ? await buildPlatforms(options, platforms)
              : await build(options);
        if ((o.outputs ?? []).length === 0) {
          const labels = r.config.config?.Labels ?? {};
          for (const tag of r.tags)
            if (!temporaryNames.includes(tag))
              imageEvent(ctx, "tag", r.id, familiarString(parseReference(tag)), labels);
        }
        const first = r.tags[0];
        if (first) built.set(name, first);
        metadata[name] = metadataOf({ ...r, tags: r.tags.filter((x) => !temporaryNames.includes(x)) });
      };
      // The targets build at once, each after those its `target:` contexts name (buildx's order).
      const outcome = await interruptible(async (signal) => {
        const r = await schedule([...builds.keys()], (n) => linkedTargets(builds.get(n)?.t ?? {}), buildOne, {
          signal,
        });
        if (signal.aborted && r.failed) throw r.failed.error;
        return r;
      });
      closeRenderer();
      if (isInterrupted(outcome)) {
        ctx.err("Error: failed to solve: Canceled: context canceled");
        return outcome.status;
      }
      if (outcome.failed) {
        const { target, error } = outcome.failed;
        for (const l of errorBoxOf(error) ?? []) ctx.stderr.write(`${l}\n`);
        // Several targets: the error names the one that failed (buildx's `target NAME: ...`).
        if (!multi || !(error instanceof WharfError)) throw error;
        throw new WharfError(error.code, `target ${target}: ${error.message}`, {
          ...(error.hint ? { hint: error.hint } : {}),
          cause: error,
        });
      }
      // buildx's call results, after the builds (`bake/call.ts` prints them): the text form, each
      // target's by name under its name and description; format=json, one document for the bake.
      // Each answered target's entry in --metadata-file is its subrequest's response, written
      // before the answers are printed. A check's lint error (error=true) is printed under its
      // target and makes the status 1; else the first non-zero status (a check with warnings: 1)
      // unless ignorestatus=true.
      const format = callAll?.format ?? "text";
      const answers = new Map<string, CallAnswer>();
      for (const { name, call, o } of calls.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const r = await answerCall(call, format, o, ctx.stdin);
        answers.set(name, r.answer);
        metadata[name] = r.metadata;
      }
      const file = flag.string(f, "metadata-file");
      // One entry per target, by name (Go's map order).
      if (file) writeFileSync(file, `${goJson(sortedKeys(metadata))}\n`);
      if (format === "json") ctx.out(callDocument(p.groups, p.targets, answers));
      else for (const l of callText(answers, p.targets)) ctx.out(l);
      return callStatus(answers, callAll?.ignoreStatus ?? false);
    } finally {
      closeRenderer();
      rmSync(tmp, { recursive: true, force: true });
      if (temporaryNames.length > 0) {
        // The bases built for `target:` contexts only are not kept under a name (buildx keeps them
        // in BuildKit, not the image store): their images go with the next prune, their cache stays.
        const images = await openImages(ctx.root);
        try {
          for (const n of temporaryNames) await untagImage(images, n).catch(() => undefined);
        } finally {
          await images.close();
        }
      }
    }
  },
};

/** A target's attributes as `build`'s options (each value read by `wharf build`'s own parsers). */
function buildOptionsOf(
  ctx: Context,
  f: ParsedFlags,
  name: string,
  t: Target,
  cwd: string,
): { o: BuildOptions; attest: BuildExport["attest"] } {
  // `cwd://PATH`: the working directory's PATH, whatever the file's mode (buildx's prefix).
  const cwdPath = (v: string) => (v.startsWith("cwd://") ? v.slice("cwd://".length) || "." : v);
  const rawContext = cwdPath(t.context ?? ".");
  const context = isRemote(rawContext) || rawContext === "-" ? rawContext : resolve(cwd, rawContext);
  let file: string | undefined;
  if (t.dockerfile !== undefined && t["dockerfile-inline"] === undefined) {
    file = isRemote(context) || isAbsolute(t.dockerfile) ? t.dockerfile : resolve(context, t.dockerfile);
  }
  const network = t.network;
  if (network !== undefined && !["default", "host", "none"].includes(network))
    throw usage(
      `target ${name}: network mode "${network}" not supported by wharf build`,
      'use network = "host" (the default) or "none"',
    );
  const cacheOnly = (t.output ?? []).some((o) => /(^|,)type=cacheonly(,|$)/.test(o));
  const exported = buildExportOf(
    flagsOf({
      output: (t.output ?? []).filter((o) => !/(^|,)type=cacheonly(,|$)/.test(o)),
      attest: t.attest ?? [],
      ...(flag.string(f, "provenance") !== undefined ? { provenance: flag.string(f, "provenance") } : {}),
      ...(flag.string(f, "sbom") !== undefined ? { sbom: flag.string(f, "sbom") } : {}),
    }),
  );
  const noCacheFilter = parseNoCacheFilter(t["no-cache-filter"] ?? []);
  const args: Record<string, string> = {};
  for (const [k, v] of Object.entries(t.args ?? {})) if (v !== null) args[k] = v;
  for (const kv of configProxyVars(ctx.env, (n) => n in args)) {
    const i = kv.indexOf("=");
    args[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(t.labels ?? {})) if (v !== null) labels[k] = v;
  const hosts = Object.entries(t["extra-hosts"] ?? {})
    .filter(([, v]) => v !== null)
    .map(([h, ip]) => `${h}=${ip}`);
  const cacheFrom = (t["cache-from"] ?? []).map(parseCacheFrom);
  const cacheTo = (t["cache-to"] ?? []).map(parseCacheTo);
  for (const c of [...cacheFrom, ...cacheTo]) if (c.type === "registry") parseReference(c.ref);
  const tags = cacheOnly ? [] : [...(t.tags ?? []), ...exported.names];
  for (const tag of tags) parseReference(tag);
  if (exported.push && tags.length === 0)
    throw usage(
      `target ${name}: tag is needed when pushing to registry`,
      "give the target tags (or --set TARGET.tags=NAME)",
    );
  const extraHosts = parseAddHosts(hosts);
  const o: BuildOptions = {
    root: ctx.root,
    context,
    ...(file ? { file } : {}),
    stdin: ctx.stdin,
    tags,
    buildArgs: args,
    labels,
    ...annotationsFlag(t.annotations ?? []),
    ...(t.target ? { target: t.target } : {}),
    noCache: t["no-cache"] === true || noCacheFilter.noCache,
    ...(noCacheFilter.stages.length ? { noCacheFilter: noCacheFilter.stages } : {}),
    buildContexts: parseBuildContexts(Object.entries(t.contexts ?? {}).map(([k, v]) => `${k}=${cwdPath(v)}`)),
    ...(extraHosts.length ? { extraHosts } : {}),
    ...legacyBuildOptions(flagsOf({ "shm-size": t["shm-size"], ulimit: t.ulimits ?? [] }), (line) =>
      ctx.err(line),
    ),
    ...entitlementsOf([...(t.entitlements ?? []), ...flag.strings(f, "allow")]),
    pull: t.pull === true,
    secrets: (t.secret ?? []).map(parseSecret),
    ssh: (t.ssh ?? []).map((s) => parseSsh(s, ctx.env)),
    ...(network ? { network: network as "default" | "host" | "none" } : {}),
    outputs: exported.outputs.map(parseOutput),
    push: exported.push && !cacheOnly,
    env: ctx.env,
    transport: transportOptions(ctx, f),
    cacheFrom,
    cacheTo,
  };
  return { o, attest: exported.attest };
}

/**
 * `buildx imagetools inspect [--raw] [--format TEMPLATE] NAME`: an image or index as the registry
 * has it, printed as buildx prints it (nothing is pulled). The text form (also for a format that
 * is `{{.Manifest}}` alone): Name, MediaType, Digest and an index's entries; `--raw` the bytes as
 * served, no newline; another format is a Go template over `.Name` (as given), `.Manifest` (the
 * descriptor, or the index with its digest and size) and `.Image` (the config; for an index of
 * several platforms a map by platform) and `.Provenance` (the SLSA predicates of BuildKit's attestation
 * manifests, `{SLSA: ...}`) and `.SBOM` (their SPDX documents, `{SPDX: ...}`), with buildx's functions (`json` indents by two spaces).
 */
import { WharfError } from "../../errors/index.js";
import type { Descriptor, ImageConfig, Index } from "../../oci/index.js";
import { formatReference, parseReference, type Reference, withDefaultTag } from "../../reference/index.js";
import {
  descriptorOf,
  type FetchedManifest,
  fetchBlob,
  fetchManifest,
  openRepository,
  type Repository,
} from "../../remote/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import type { ParsedFlags } from "../flags.js";
import { goStruct } from "../render/index.js";
import { execute } from "../render/template/exec.js";
import { FUNCS } from "../render/template/funcs.js";
import { parseTemplate } from "../render/template/parse.js";
import {
  descriptorValue,
  goMarshal,
  imageValue,
  indexValue,
  inspectText,
  platformKey,
} from "./buildx-imagetools.js";
import { manifestTransport } from "./manifest-inspect.js";
import { INSECURE_FLAG } from "./registry-options.js";

/** Go's builtins and buildx's one function, `json` (MarshalIndent with two spaces). */
const DOCKER_ONLY = new Set(["split", "join", "title", "lower", "upper", "pad", "truncate"]);
export const BUILDX_FUNCS = {
  ...Object.fromEntries(Object.entries(FUNCS).filter(([k]) => !DOCKER_ONLY.has(k))),
  json: { arity: [1, 1] as [number, number], fn: (v: unknown) => goMarshal(v) },
} as typeof FUNCS;

/** A template's parse or execution error, printed as Go gave it (buildx adds nothing). */
function goTemplate<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new WharfError("invalid-argument", (e as Error).message, {
      hint: "the fields are .Name, .Manifest, .Image, .Provenance and .SBOM; the functions Go's and json",
    });
  }
}

/** A format that is `{{.Manifest}}` alone (spaces around it or inside the braces allowed): the text form. */
export function isWholeManifest(format: string): boolean {
  return /^\s*\{\{\s*\.Manifest\s*\}\}\s*$/.test(format);
}

/** A reference as containerd's resolver names what it cannot find. */
export async function fetchNamed(repo: Repository, ref: Reference): Promise<FetchedManifest> {
  try {
    return await fetchManifest(repo, (ref.digest ?? ref.tag) as string);
  } catch (e) {
    if (e instanceof WharfError && (e.code === "manifest-unknown" || e.code === "name-unknown")) {
      throw new WharfError("manifest-unknown", `${formatReference(ref)}: not found`, {
        hint: "check the name and tag, and that you are logged in to the registry",
      });
    }
    throw e;
  }
}

async function readJson<T>(repo: Repository, d: Descriptor): Promise<T> {
  const chunks: Uint8Array[] = [];
  for await (const c of await fetchBlob(repo, d)) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as T;
}

const isAttestation = (d: Descriptor): boolean =>
  d.annotations?.["vnd.docker.reference.digest"] !== undefined ||
  d.annotations?.["com.docker.reference.digest"] !== undefined;

/** The configs by platform, as buildx's loader keys them (attestation manifests left out). */
async function configs(repo: Repository, top: FetchedManifest): Promise<Map<string, ImageConfig>> {
  const out = new Map<string, ImageConfig>();
  const visit = async (m: FetchedManifest, desc: Descriptor): Promise<void> => {
    if (m.document.kind === "index") {
      for (const d of m.document.index.manifests) {
        if (d.mediaType && !/manifest|index|list/.test(d.mediaType)) continue;
        await visit(await fetchManifest(repo, d.digest), d);
      }
      return;
    }
    if (isAttestation(desc)) return;
    const config = await readJson<ImageConfig>(repo, m.document.manifest.config);
    const platform = desc.platform ?? {
      os: config.os,
      architecture: config.architecture,
      ...(config.variant ? { variant: config.variant } : {}),
    };
    out.set(platformKey(platform), config);
  };
  await visit(top, descriptorOf(top));
  return out;
}

/**
 * buildx's `.Provenance` and `.SBOM`: each platform's attestation manifest's in-toto layer of that
 * predicate type (SLSA provenance; SPDX), by platform, as `{SLSA: predicate}` / `{SPDX: predicate}`.
 * Fetched only when a format names them.
 */
async function attestations(
  repo: Repository,
  top: FetchedManifest,
  prefix: string,
  key: "SLSA" | "SPDX",
): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  if (top.document.kind !== "index") return out;
  const entries = top.document.index.manifests;
  for (const d of entries) {
    if (d.annotations?.["vnd.docker.reference.type"] !== "attestation-manifest") continue;
    const subject = entries.find((e) => e.digest === d.annotations?.["vnd.docker.reference.digest"]);
    if (!subject?.platform) continue;
    const m = await fetchManifest(repo, d.digest);
    if (m.document.kind !== "manifest") continue;
    const layer = m.document.manifest.layers.find((l) =>
      l.annotations?.["in-toto.io/predicate-type"]?.startsWith(prefix),
    );
    if (!layer) continue;
    const statement = await readJson<{ predicate?: unknown }>(repo, layer);
    out.set(platformKey(subject.platform), { [key]: statement.predicate ?? null });
  }
  return out;
}

/** One platform's value, a map by platform for an index of several, null when there is none. */
function byPlatform<T>(m: Map<string, T>, several: boolean): T | Map<string, T> | null {
  if (m.size > 1 || (m.size === 1 && several)) return new Map(m);
  return m.size === 1 ? ([...m.values()][0] as T) : null;
}

export const command: Command = {
  path: ["buildx", "imagetools", "inspect"],
  usage: "[OPTIONS] NAME",
  description: "Show details of an image in the registry",
  flags: [
    {
      name: "format",
      type: "string",
      description: 'Format the output using the given Go template (default "{{.Manifest}}")',
    },
    { name: "raw", type: "bool", description: "Show original, unformatted JSON manifest" },
    {
      name: "builder",
      type: "string",
      description: "Override the configured builder instance",
      hidden: true,
    },
    INSECURE_FLAG,
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx: Context, f: ParsedFlags) {
    const format = flag.string(f, "format") ?? "";
    const raw = flag.bool(f, "raw");
    if (format !== "" && raw)
      throw new WharfError("invalid-argument", "format and raw cannot be used together");
    const input = f.args[0] as string;
    const ref = withDefaultTag(parseReference(input));
    const repo = openRepository(ref, manifestTransport(ctx, f, ref.domain));
    try {
      const top = await fetchNamed(repo, ref);
      if (raw) {
        ctx.stdout.write(top.bytes);
        return 0;
      }
      const index = top.document.kind === "index" ? top.document.index : undefined;
      if (format === "" || isWholeManifest(format)) {
        const text = inspectText(formatReference(ref), top, index?.manifests, (d) =>
          formatReference({ ...ref, digest: d.digest }),
        );
        ctx.stdout.write(text);
        return 0;
      }
      const tpl = goTemplate(() => parseTemplate(format, new Set(Object.keys(BUILDX_FUNCS))));
      const found = await configs(repo, top);
      const manifest = index
        ? indexValue(index as Index & { schemaVersion: number }, top)
        : descriptorValue(descriptorOf(top));
      const image =
        found.size > 1
          ? new Map([...found].map(([k, c]) => [k, imageValue(c)]))
          : found.size === 1
            ? imageValue([...found.values()][0] as ImageConfig)
            : null;
      // `.Provenance` and `.SBOM`: the attestation manifests' predicates (a map by platform for several).
      const whole = /\{\{\s*json\s+\.\s*\}\}/.test(format);
      const provenance = byPlatform(
        /\bProvenance\b/.test(format) || whole
          ? await attestations(repo, top, "https://slsa.dev/provenance/", "SLSA")
          : new Map(),
        found.size > 1,
      );
      const sbom = byPlatform(
        /\bSBOM\b/.test(format) || whole
          ? await attestations(repo, top, "https://spdx.dev/", "SPDX")
          : new Map(),
        found.size > 1,
      );
      // buildx's tplInput: a struct, so a field it lacks is an error.
      const data = goStruct("imagetools.tplInput", {
        Name: input,
        Manifest: manifest,
        Image: image,
        Provenance: provenance,
        SBOM: sbom,
      });
      Object.defineProperty(data, "toJSON", {
        value: () => ({
          name: input,
          manifest,
          ...(image ? { image } : {}),
          ...(provenance ? { provenance } : {}),
          ...(sbom ? { sbom } : {}),
        }),
        enumerable: false,
      });
      ctx.stdout.write(goTemplate(() => execute(tpl, data as never, BUILDX_FUNCS)));
      return 0;
    } finally {
      repo.transport.close();
    }
  },
};

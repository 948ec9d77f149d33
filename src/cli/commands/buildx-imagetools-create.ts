/**
 * `buildx imagetools create [-t REF]... [--append] [--annotation A]... [--dry-run]
 * [--prefer-index=false] [-f FILE]... SOURCE...`: a new index made from the sources' manifests in
 * the registry (buildx-imagetools-combine.ts), checked whole before anything is sent; `--dry-run`
 * prints it and sends nothing. Otherwise, for each tag, the sources kept in another repository are
 * copied into the tag's (copyImage: blobs mounted within one registry, else streamed; the
 * manifests put by digest), then the index is put under the tag. `--append` adds the first tag's
 * current manifests first.
 */
import { readFileSync } from "node:fs";
import type { Digest } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import type { Descriptor, ImageConfig } from "../../oci/index.js";
import { normalizePlatform } from "../../oci/index.js";
import { formatReference, parseReference, type Reference, withDefaultTag } from "../../reference/index.js";
import { copyImage, descriptorOf, fetchBlob, openRepository, putManifest } from "../../remote/index.js";
import { type Command, flag } from "../command.js";
import type { Context } from "../context.js";
import type { ParsedFlags } from "../flags.js";
import {
  combine,
  mergeDesc,
  parseAnnotations,
  parseSource,
  type Resolved,
  type Source,
} from "./buildx-imagetools-combine.js";
import { fetchNamed } from "./buildx-imagetools-inspect.js";
import { manifestTransport } from "./manifest-inspect.js";
import { INSECURE_FLAG } from "./registry-options.js";

const repoOf = (r: Pick<Reference, "domain" | "path">) => `${r.domain}/${r.path}`;

async function readConfig(ctx: Context, f: ParsedFlags, ref: Reference, m: Buffer): Promise<ImageConfig> {
  const manifest = JSON.parse(m.toString("utf8")) as { config: Descriptor };
  const repo = openRepository(ref, manifestTransport(ctx, f, ref.domain));
  try {
    const chunks: Uint8Array[] = [];
    for await (const c of await fetchBlob(repo, manifest.config)) chunks.push(c);
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as ImageConfig;
  } finally {
    repo.transport.close();
  }
}

/** A source's manifest from the registry, its descriptor merged with what the source gave, an image's platform filled in. */
async function resolve(ctx: Context, f: ParsedFlags, s: Source & { ref: Reference }): Promise<Resolved> {
  const ref = s.desc.digest ? { ...s.ref, digest: s.desc.digest } : s.ref;
  const repo = openRepository(ref, manifestTransport(ctx, f, ref.domain));
  let fetched: Awaited<ReturnType<typeof fetchNamed>>;
  try {
    fetched = await fetchNamed(repo, ref);
  } finally {
    repo.transport.close();
  }
  const desc = s.desc.digest ? mergeDesc(descriptorOf(fetched), s.desc) : descriptorOf(fetched);
  if (
    desc.mediaType === "application/vnd.docker.distribution.manifest.v1+json" ||
    fetched.document.kind === "manifest"
  ) {
    if (fetched.document.kind !== "manifest")
      throw new WharfError("unsupported", "schema1 manifests are not allowed in manifest lists");
    const p = { ...(desc.platform ?? { architecture: "", os: "" }) };
    if (!p.os || !p.architecture) {
      const c = await readConfig(ctx, f, ref, fetched.bytes);
      const n = normalizePlatform({
        os: c.os ?? "",
        architecture: c.architecture ?? "",
        ...(c.variant ? { variant: c.variant } : {}),
      });
      if (!p.architecture) {
        p.architecture = n.architecture;
        if (!p.variant && n.variant) p.variant = n.variant;
      }
      if (!p.os) p.os = n.os;
    }
    desc.platform = p;
  }
  return { desc, bytes: fetched.bytes };
}

export const command: Command = {
  path: ["buildx", "imagetools", "create"],
  usage: "[OPTIONS] [SOURCE...]",
  description: "Create a new image based on source images",
  flags: [
    { name: "annotation", type: "strings", description: "Add annotation to the image" },
    { name: "append", type: "bool", description: "Append to existing manifest" },
    { name: "dry-run", type: "bool", description: "Show final image instead of pushing" },
    { name: "file", short: "f", type: "strings", description: "Read source descriptor from file" },
    {
      name: "prefer-index",
      type: "bool",
      default: true,
      description:
        "When only a single source is specified, prefer outputting an image index or manifest list instead of performing a carbon copy (default true)",
    },
    {
      name: "progress",
      type: "string",
      default: "auto",
      description:
        'Set type of progress output ("auto", "plain", "tty", "rawjson"). Use plain to show container output',
    },
    { name: "tag", short: "t", type: "strings", description: "Set reference for new image" },
    {
      name: "builder",
      type: "string",
      description: "Override the configured builder instance",
      hidden: true,
    },
    INSECURE_FLAG,
  ],
  async run(ctx, f) {
    const files = flag.strings(f, "file");
    const tagArgs = flag.strings(f, "tag");
    const dryRun = flag.bool(f, "dry-run");
    if (f.args.length === 0 && files.length === 0)
      throw new WharfError("invalid-argument", "no sources specified");
    if (!dryRun && tagArgs.length === 0)
      throw new WharfError(
        "invalid-argument",
        "can't push with no tags specified, please set --tag or --dry-run",
      );
    let args = [...files.map((p) => readFileSync(p, "utf8")), ...f.args];
    const tags = tagArgs.map((t) => withDefaultTag(parseReference(t)));
    if (flag.bool(f, "append") && tagArgs.length > 0) args = [tagArgs[0] as string, ...args];
    const srcs = args.map(parseSource);

    const repos = new Set<string>(tags.map(repoOf));
    for (const s of srcs) if (s.ref) repos.add(repoOf(s.ref));
    if (repos.size === 0)
      throw new WharfError(
        "invalid-argument",
        "no repositories specified, please set a reference in tag or source",
      );
    const only = repos.size === 1 ? ([...repos][0] as string) : undefined;
    srcs.forEach((s, i) => {
      if (s.ref) return;
      if (only === undefined)
        throw new WharfError(
          "invalid-argument",
          `multiple repositories specified, cannot infer repository for ${JSON.stringify(args[i])}`,
        );
      s.ref = parseReference(only);
    });
    const withRefs = srcs.map((s) => ({ ...s, ref: withDefaultTag(s.ref as Reference) }));
    const annotations = parseAnnotations(flag.strings(f, "annotation"));

    // Everything is read and checked before anything is sent.
    const resolved: Resolved[] = [];
    for (const s of withRefs) resolved.push(await resolve(ctx, f, s));
    const made = combine(resolved, annotations, flag.bool(f, "prefer-index"));
    if (dryRun) {
      ctx.stdout.write(`${made.bytes.toString("utf8")}\n`);
      return 0;
    }

    for (const t of tags) {
      const seen = new Set<string>();
      for (const [i, s] of withRefs.entries()) {
        if (repoOf(s.ref) === repoOf(t)) continue;
        const desc = (resolved[i] as Resolved).desc;
        if (seen.has(desc.digest)) continue;
        seen.add(desc.digest);
        const from = { domain: s.ref.domain, path: s.ref.path, digest: desc.digest as Digest };
        ctx.err(`copying ${desc.digest} from ${formatReference(s.ref)} to ${formatReference(t)}`);
        await copyImage(
          from,
          { domain: t.domain, path: t.path, digest: desc.digest as Digest },
          {
            all: true,
            source: manifestTransport(ctx, f, from.domain),
            destination: manifestTransport(ctx, f, t.domain),
          },
        );
      }
      ctx.err(`pushing ${made.desc.digest} to ${formatReference(t)}`);
      const repo = openRepository(t, manifestTransport(ctx, f, t.domain));
      try {
        await putManifest(repo, t.tag ?? (t.digest as string), {
          bytes: made.bytes,
          mediaType: made.desc.mediaType,
        });
      } finally {
        repo.transport.close();
      }
    }
    return 0;
  },
};

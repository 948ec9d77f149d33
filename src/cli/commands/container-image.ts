import { join } from "node:path";
import type { Digest } from "../../digest/index.js";
import { isWharfError, WharfError } from "../../errors/index.js";
import {
  type Images,
  keepSignatures,
  openImages,
  platformView,
  readConfig,
  readManifest,
  resolveImage,
} from "../../images/index.js";
import {
  formatPlatform,
  type ImageConfig,
  matchesPlatform,
  normalizePlatform,
  type Platform,
  parsePlatform,
} from "../../oci/index.js";
import { familiarString, parseReference, type Reference } from "../../reference/index.js";
import { containerSnapshotDir, prepareRootfs } from "../../rootfs/index.js";
import { type RootfsHandle, trace, warmCgroupLock } from "../../runtime/index.js";
import { unusualRun } from "../code-cache.js";
import type { Context } from "../context.js";
import type { ParsedFlags } from "../flags.js";
import { platformWarning } from "./platform-warning.js";
import { acceptsAnything } from "./trust-flags.js";

export interface RunImage {
  /** The image as the user named it. */
  name: string;
  id: Digest;
  config: ImageConfig;
  /** Prepares a container's root filesystem from the image (for `createContainer`). */
  rootfs: (containerId: string) => Promise<RootfsHandle>;
  close(): Promise<void>;
}

function withTag(ref: Reference): Reference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: "latest" } : ref;
}

/** Pulls for `run`: progress on stderr, as Docker's `run` shows it. */
async function pullForRun(ctx: Context, f: ParsedFlags, images: Images, ref: Reference): Promise<void> {
  // Not the usual run: its compiled code is no code cache for the runs of local images.
  unusualRun();
  // Loaded only to pull: a run of a local image needs no registry client.
  const [
    { pull },
    { progressView, pullProgress },
    { transportOptions },
    { imageVerifier },
    { transferEvent },
  ] = await Promise.all([
    import("../../remote/index.js"),
    import("../render/index.js"),
    import("./registry-options.js"),
    import("./trust-verify.js"),
    import("./image-events.js"),
  ]);
  // `-q`: no pull output (Docker's `run -q` discards it).
  const quiet = f.values.quiet === true;
  const view = progressView({
    write: (s) => (quiet ? undefined : ctx.stderr.write(s)),
    tty: !quiet && ctx.stderr.isTTY === true,
  });
  // Signatures are checked before anything is stored or run.
  let seen: import("./trust-verify.js").SeenSignatures | undefined;
  const verify = await imageVerifier(
    ctx,
    f,
    (line) => view.line(line),
    (s) => {
      seen = s;
    },
  );
  const layers = pullProgress(view);
  const platform = f.values.platform;
  const result = await pull(ref, {
    ...(verify ? { verify } : {}),
    store: images.content,
    images,
    transport: transportOptions(ctx, f),
    ...(typeof platform === "string" && platform ? { platform } : {}),
    // As Docker: "Pulling from" once the manifest is found, so a failed lookup prints only the error.
    onProgress: (e) => {
      if (e.type === "resolved") view.line(`${ref.digest ?? ref.tag}: Pulling from ${ref.path}`);
      layers(e);
    },
  });
  // Kept beside the image: a later run of it verifies with them, offline.
  if (seen && seen.sigs.length > 0) await keepSignatures(images, result.target, seen.sigs);
  // Docker's daemon pulls for `run`/`create` as for `pull`: its `pull` event.
  await transferEvent(ctx, images, "pull", ref);
  view.line(`Digest: ${result.digest}`);
  view.line(
    `Status: ${result.upToDate ? "Image is up to date" : "Downloaded newer image"} for ${familiarString(ref)}`,
  );
}

/** Checks a local image under the signature policy and content trust (loaded only when asked to run). */
async function verifyLocal(
  ctx: Context,
  f: ParsedFlags,
  images: Images,
  image: import("./trust-local.js").LocalImage,
): Promise<void> {
  // The machine's usual accept-anything policy loads no verifier (a run's milliseconds).
  if (acceptsAnything(ctx, f)) return;
  const { localVerifier } = await import("./trust-local.js");
  const verify = await localVerifier(ctx, f, (line) => ctx.err(line));
  await verify?.(images, image);
}

/**
 * The image a container is made from, pulled first by the `--pull` policy (`missing` by default,
 * with Docker's `Unable to find image '…' locally`), and a rootfs preparer over the local store.
 */
export async function imageForRun(
  ctx: Context,
  f: ParsedFlags,
  input: string,
  policy = "missing",
): Promise<RunImage> {
  if (!["always", "missing", "never"].includes(policy)) {
    throw new WharfError(
      "invalid-argument",
      `invalid pull option: '${policy}': must be one of "always", "missing" or "never"`,
    );
  }
  const want = platformOf(f);
  const images = await openImages(ctx.root);
  trace("image: store opened");
  try {
    let resolved =
      policy === "always"
        ? undefined
        : await resolveImage(images, input).catch((e: unknown) => {
            if (isWharfError(e, "image-not-found")) return undefined;
            throw e;
          });
    // A local multi-platform image with that platform's image stored (a multi-platform build) runs
    // it; another platform is not the one asked for: pulled (as Docker's), or refused with --pull never.
    if (resolved && want && !(await hasPlatform(images, resolved.image.id, want))) {
      const other = await platformView(images.content, resolved, want, input).catch(() => undefined);
      if (!other && policy === "never") {
        throw new WharfError(
          "image-not-found",
          `No such image: ${input} for platform ${formatPlatform(want)}`,
          { hint: "pull that platform's image first, or drop --pull never" },
        );
      }
      resolved = other;
    }
    const pulled = !resolved;
    if (!resolved) {
      if (policy === "never") throw new WharfError("image-not-found", `No such image: ${input}`);
      const ref = withTag(parseReference(input));
      if (policy === "missing" && f.values.quiet !== true) {
        ctx.err(`Unable to find image '${familiarString(ref)}' locally`);
      }
      await pullForRun(ctx, f, images, ref);
      // The one made at the command's start has long run out (see runtime/cgroup-lock.ts).
      void warmCgroupLock();
      resolved = await resolveImage(images, familiarString(ref));
    }
    const entry = resolved.entry ?? resolved.image.entries[0];
    if (!entry) throw new WharfError("image-not-found", `No such image: ${input}`);
    trace("image: resolved");
    // A local image is checked against the policy with the signatures kept beside it (a pull just
    // made was checked against the registry's already).
    if (!pulled) {
      // By ID: the policy scope of one of the image's names.
      const named = entry.ref ? entry : (resolved.image.entries.find((e) => e.ref) ?? entry);
      await verifyLocal(ctx, f, images, {
        digest: named.desc.digest,
        input,
        ...(named.ref ? { reference: named.ref } : {}),
      });
    }
    trace("image: signatures checked");
    const [{ manifest }, { config }] = await Promise.all([
      readManifest(images.content, entry.manifest),
      readConfig(images.content, resolved.image.id),
    ]);
    if (typeof f.values.platform !== "string" || f.values.platform === "") {
      const { os, architecture, variant } = config;
      const warning = platformWarning({ os, architecture, ...(variant ? { variant } : {}) });
      if (warning) ctx.err(warning);
    }
    const snapshots = join(ctx.root, "snapshots");
    return {
      name: input,
      id: resolved.image.id,
      config,
      rootfs: async (id) => {
        const prepared = await prepareRootfs({
          snapshots,
          store: images.content,
          layers: manifest.layers,
          diffIds: config.rootfs.diff_ids,
          dir: containerSnapshotDir(snapshots, id),
          // The runtime mounts it when it starts the container (runc, inside the container).
          mount: false,
          onWarning: (m) => ctx.err(`WARNING: ${m}`),
        });
        return { path: prepared.rootfs, prepared };
      },
      close: () => images.close(),
    };
  } catch (e) {
    await images.close();
    throw e;
  }
}

/** `--platform`, parsed as Docker's CLI does before anything else (its error in its words). */
function platformOf(f: ParsedFlags): Platform | undefined {
  const p = f.values.platform;
  if (typeof p !== "string" || p === "") return undefined;
  try {
    return parsePlatform(p);
  } catch (e) {
    throw new WharfError("invalid-argument", `error parsing specified platform: ${(e as Error).message}`, {
      hint: "a platform looks like os/arch[/variant], e.g. linux/amd64 or linux/arm/v7",
    });
  }
}

async function hasPlatform(images: Images, id: Digest, want: Platform): Promise<boolean> {
  const { config } = await readConfig(images.content, id);
  const have: Platform = {
    os: config.os,
    architecture: config.architecture,
    ...(config.variant ? { variant: config.variant } : {}),
  };
  return matchesPlatform(want, normalizePlatform(have));
}

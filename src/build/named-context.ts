import { readFileSync } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { randomHex } from "../digest/index.js";
import { createDockerignoreMatcher, parseDockerignore } from "../dockerfile/index.js";
import { errnoCode, WharfError } from "../errors/index.js";
import { familiarString, parseReference } from "../reference/index.js";
import { type LayoutContext, splitLayoutValue, topDigest } from "./oci-layout.js";
import { fetchRemoteContext, isRemoteContext } from "./remote-context.js";
import type { PathFilter } from "./select.js";
import { openStatCache, type StatCache } from "./stat-cache.js";

/**
 * A `--build-context NAME=VALUE`, resolved: a local directory (its own `.dockerignore` applied, a
 * stat cache of its own), an image (`docker-image://REF`, resolved like a FROM image; `scratch`
 * is the empty image) or an image of an OCI layout (`oci-layout://`, its digest resolved).
 */
export type NamedContext =
  | {
      kind: "dir";
      name: string;
      dir: string;
      filter: PathFilter | undefined;
      stat: StatCache;
      /** A fetched (git, URL) context's temporary directory, removed after the build. */
      scratch?: string;
    }
  | { kind: "image"; name: string; ref: string }
  | ({ kind: "oci" } & LayoutContext);

export type DirContext = Extract<NamedContext, { kind: "dir" }>;

/**
 * A context's name as buildx keys it and the Dockerfile frontend looks it up: the familiar form of
 * the name read as an image reference, `:latest` left off (`docker.io/library/base:latest` is
 * `base`); undefined when it is no reference.
 */
export function contextName(name: string): string | undefined {
  try {
    return familiarString(parseReference(name)).replace(/:latest$/, "");
  } catch {
    return undefined;
  }
}

function refused(name: string, value: string, what: string, hint: string): WharfError {
  return new WharfError(
    "unsupported",
    `build context ${name}=${value}: ${what} is not supported by wharf build`,
    {
      hint,
    },
  );
}

const REMOTE = /^(https?:\/\/|git:\/\/|git@|ssh:\/\/|github\.com\/)/;

/** The `.dockerignore` at the root of a directory context (the only one Docker reads for it). */
function ignoreOf(dir: string): PathFilter | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, ".dockerignore"), "utf8");
  } catch {
    return undefined;
  }
  const m = createDockerignoreMatcher(parseDockerignore(text));
  return { excludes: (rel) => m.matches(rel), mayReadmit: (rel) => m.mayContainExceptions(rel) };
}

/** `dir`, checked to be a directory as buildx checks a local context. */
async function directory(name: string, dir: string): Promise<string> {
  const st = await stat(dir).catch((e: unknown) => {
    if (errnoCode(e) === "ENOENT")
      throw new WharfError(
        "not-found",
        `failed to get build context ${name}: stat ${dir}: no such file or directory`,
        { hint: "give a directory that exists, docker-image://REF for an image" },
      );
    throw e;
  });
  if (!st.isDirectory())
    throw new WharfError("invalid-argument", `failed to get build context path ${dir}: not a directory`, {
      hint: "a local build context is a directory; name an image with docker-image://REF",
    });
  return dir;
}

/**
 * One `--build-context` value: a directory (relative to `cwd`), `docker-image://REF`,
 * `oci-layout://PATH[:TAG][@DIGEST]`, a git repository or a tar archive's URL (fetched into the
 * root's tmp: `scratch`, removed after the build), or refused.
 */
export interface ResolveOptions {
  cwd?: string;
  root?: string;
  /** For git and URL values: git's and the download's environment (proxies). */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export async function resolveNamedContext(
  name: string,
  value: string,
  o: ResolveOptions = {},
): Promise<NamedContext> {
  if (value.startsWith("docker-image://")) {
    const ref = value.slice("docker-image://".length);
    if (ref !== "scratch") {
      try {
        parseReference(ref);
      } catch (e) {
        throw new WharfError("invalid-reference", `build context ${name}: ${(e as Error).message}`, {
          hint: "write docker-image://NAME[:TAG|@DIGEST]",
          cause: e,
        });
      }
    }
    return { kind: "image", name, ref };
  }
  if (value.startsWith("oci-layout://")) {
    // buildx resolves the tag (or the layout's only image) to a digest before the build starts.
    const { path, tag, digest } = splitLayoutValue(value.slice("oci-layout://".length));
    const dir = await directory(name, resolve(o.cwd ?? process.cwd(), path));
    const nc: NamedContext = { kind: "oci", name, dir, tag, ...(digest !== undefined ? { digest } : {}) };
    return { ...nc, digest: await topDigest(nc) };
  }
  if (value.startsWith("target:"))
    throw refused(
      name,
      value,
      "a target: context (defined by docker buildx bake)",
      "build that target first, tag it, and name it with docker-image://TAG",
    );
  if (isRemoteContext(value)) {
    if (o.root === undefined) throw new WharfError("internal", "a remote build context needs the root");
    const into = join(o.root, "tmp", `build-context-${process.pid}-${randomHex(6)}`);
    const got = await fetchRemoteContext(value, into, o.env ?? process.env, o.signal);
    if (got.kind === "text") {
      throw refused(
        name,
        value,
        "a URL of a lone file (neither a tar archive nor a git repository)",
        "give a directory, a tar archive's URL or a git repository",
      );
    }
    return {
      kind: "dir",
      name,
      dir: got.dir,
      filter: ignoreOf(got.dir),
      stat: openStatCache(undefined, got.dir),
      scratch: got.root,
    };
  }
  if (REMOTE.test(value))
    throw refused(
      name,
      value,
      "a remote context (git repository or URL)",
      "clone or download it into a local directory and give that directory (write ./PATH for a local path)",
    );
  const dir = await directory(name, resolve(o.cwd ?? process.cwd(), value));
  return { kind: "dir", name, dir, filter: ignoreOf(dir), stat: openStatCache(o.root, dir) };
}

/**
 * Every `--build-context`, by the name the Dockerfile uses (buildx's normalisation: a later one of
 * the same name replaces an earlier one). Refused values stop the build before anything is built.
 */
export async function resolveNamedContexts(
  contexts: Readonly<Record<string, string>>,
  o: ResolveOptions = {},
): Promise<Map<string, NamedContext>> {
  const out = new Map<string, NamedContext>();
  try {
    for (const [given, value] of Object.entries(contexts)) await resolveOne(out, given, value, o);
  } catch (e) {
    await removeScratch(out);
    throw e;
  }
  return out;
}

/** Removes what fetching git and URL contexts left in the root's tmp. */
export async function removeScratch(contexts: ReadonlyMap<string, NamedContext>): Promise<void> {
  for (const n of contexts.values()) {
    if (n.kind === "dir" && n.scratch)
      await rm(n.scratch, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function resolveOne(
  out: Map<string, NamedContext>,
  given: string,
  value: string,
  o: ResolveOptions,
): Promise<void> {
  const name = contextName(given);
  if (name === undefined) {
    let why = "";
    try {
      parseReference(given);
    } catch (e) {
      why = `: ${(e as Error).message}`;
    }
    throw new WharfError("usage", `invalid context name ${given}${why}`, {
      hint: "a context name is written like an image name: lowercase letters, digits, . _ - /",
    });
  }
  const earlier = out.get(name);
  if (earlier) await removeScratch(new Map([[name, earlier]]));
  out.set(name, await resolveNamedContext(name, value, o));
}

/** The named context a FROM, `--from` or stage name refers to (BuildKit never looks up `scratch`). */
export function lookupNamedContext(
  contexts: ReadonlyMap<string, NamedContext> | undefined,
  name: string,
): NamedContext | undefined {
  if (!contexts || contexts.size === 0 || name.toLowerCase() === "scratch") return undefined;
  const key = contextName(name);
  return key === undefined ? undefined : contexts.get(key);
}

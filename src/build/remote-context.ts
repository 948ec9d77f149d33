/**
 * Remote build contexts, as `docker build URL` takes them: a git repository (`https://...x.git`,
 * `git://`, `git@`, `github.com/`, with `#ref:subdir`), cloned with the system's git; any other
 * http(s) URL, downloaded: a tar archive (plain, gzip, bzip2, xz) is the context, a text file is the
 * Dockerfile alone.
 */
import { execFile, spawn } from "node:child_process";
import { mkdir, readFile, rm, stat } from "node:fs/promises";
import { join, posix } from "node:path";
import { WharfError } from "../errors/index.js";
import { archiveKind, download, extractArchive } from "./add.js";

const isHttp = (s: string) => /^https?:\/\//i.test(s);

/** The docker CLI's rule (urlutil.IsGitURL): these prefixes, or an http(s) URL ending in `.git[#...]`. */
export function isGitContext(s: string): boolean {
  if (isHttp(s) && /\.git(?:#.+)?$/.test(s)) return true;
  return ["git://", "github.com/", "git@"].some((p) => s.startsWith(p));
}

export function isRemoteContext(s: string): boolean {
  return isGitContext(s) || isHttp(s);
}

export interface GitSource {
  url: string;
  /** The branch, tag or commit after `#`; undefined: the remote's HEAD. */
  ref: string | undefined;
  /** The directory after `#ref:`, relative to the repository's root. */
  subdir: string | undefined;
}

/** `URL#ref:subdir` split as Docker splits it; `github.com/...` gets `https://`. */
export function parseGitSource(spec: string): GitSource {
  const hash = spec.indexOf("#");
  let url = hash < 0 ? spec : spec.slice(0, hash);
  const fragment = hash < 0 ? "" : spec.slice(hash + 1);
  if (url.startsWith("github.com/")) url = `https://${url}`;
  const colon = fragment.indexOf(":");
  const ref = colon < 0 ? fragment : fragment.slice(0, colon);
  const sub = colon < 0 ? "" : fragment.slice(colon + 1);
  const subdir = sub === "" ? undefined : posix.normalize(sub).replace(/^\/+|\/+$/g, "");
  if (subdir !== undefined && (subdir === ".." || subdir.startsWith("../"))) {
    throw new WharfError(
      "invalid-argument",
      `unable to prepare context: subdirectory ${sub} is outside the repository`,
      {
        hint: "write the context as URL#ref:dir with dir inside the repository",
      },
    );
  }
  return {
    url,
    ref: ref === "" ? undefined : ref,
    subdir: subdir === "" || subdir === "." ? undefined : subdir,
  };
}

function git(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; err: string }> {
  return new Promise((res) => {
    // Never a prompt for credentials on the terminal: a build is not interactive.
    const child = spawn("git", args, {
      cwd,
      env: { ...env, GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "/bin/false" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    child.on("error", (e: NodeJS.ErrnoException) =>
      res({ code: e.code === "ENOENT" ? 127 : 1, err: e.message }),
    );
    child.on("close", (code) => res({ code: code ?? 1, err }));
  });
}

function cloneFailed(url: string, err: string, code: number): WharfError {
  return new WharfError(
    "not-found",
    `unable to prepare context: unable to 'git clone' to temporary context directory: ${err.trim() || `git exited ${code}`}`,
    {
      hint:
        code === 127
          ? "install git (apt-get install -y git)"
          : `check that ${url} and the ref after # exist and that this machine reaches it`,
    },
  );
}

/**
 * The repository's tree at `ref` in `dir` (made empty first), without `.git` (BuildKit leaves it
 * out of a context; ADD --keep-git-dir keeps it): one shallow fetch of the ref; where the server
 * refuses that (a dumb-HTTP server, a commit not advertised), a whole fetch and a checkout of the
 * ref. Submodules too. Returns the commit checked out.
 */
export async function cloneGit(
  src: GitSource,
  dir: string,
  env: NodeJS.ProcessEnv,
  o: { keepGitDir?: boolean } = {},
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const run = async (...args: string[]) => {
    const r = await git(args, dir, env);
    if (r.code !== 0) throw cloneFailed(src.url, r.err, r.code);
  };
  await run("init", "-q");
  await run("remote", "add", "origin", src.url);
  const ref = src.ref ?? "HEAD";
  const shallow = await git(["fetch", "-q", "--depth", "1", "--no-tags", "origin", ref], dir, env);
  if (shallow.code === 0) {
    await run("checkout", "-q", "FETCH_HEAD");
  } else {
    const whole = await git(["fetch", "-q", "--tags", "origin"], dir, env);
    if (whole.code !== 0) throw cloneFailed(src.url, whole.err, whole.code);
    const target = src.ref === undefined ? "origin/HEAD" : src.ref;
    // A branch name is found as origin/<name>; a tag or a commit as itself.
    const branch = await git(["checkout", "-q", `origin/${target}`], dir, env);
    if (branch.code !== 0) {
      const other = await git(["checkout", "-q", target], dir, env);
      if (other.code !== 0) throw cloneFailed(src.url, shallow.err || other.err, other.code);
    }
  }
  if (await exists(join(dir, ".gitmodules"))) {
    await run("submodule", "update", "-q", "--init", "--recursive", "--depth", "1");
  }
  const commit = await new Promise<string>((res) => {
    execFile("git", ["rev-parse", "HEAD"], { cwd: dir, env }, (e, out) => res(e ? "" : out.trim()));
  });
  if (!/^[0-9a-f]{40,64}$/.test(commit)) throw cloneFailed(src.url, "cannot read the commit checked out", 1);
  if (!o.keepGitDir) await rm(join(dir, ".git"), { recursive: true, force: true });
  return commit;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

export type RemoteContext =
  /** `dir` is the context, inside `root` (removed with it). */
  | { kind: "dir"; root: string; dir: string }
  /** A lone Dockerfile: no context. */
  | { kind: "text"; text: string };

/** Fetches a remote context into `root` (a new directory of the build's own). */
export async function fetchRemoteContext(
  spec: string,
  root: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<RemoteContext> {
  await mkdir(root, { recursive: true });
  try {
    if (isGitContext(spec)) {
      const src = parseGitSource(spec);
      const tree = join(root, "tree");
      await cloneGit(src, tree, env);
      if (src.subdir === undefined) return { kind: "dir", root, dir: tree };
      const dir = join(tree, src.subdir);
      const st = await stat(dir).catch(() => undefined);
      if (!st?.isDirectory()) {
        throw new WharfError(
          "not-found",
          `unable to prepare context: path "${src.subdir}" not found in ${src.url}`,
          {
            hint: "write the context as URL#ref:dir with a directory of that ref",
          },
        );
      }
      return { kind: "dir", root, dir };
    }
    const got = await download(spec, root, undefined, signal, env).catch((e: unknown) => {
      if (!(e instanceof WharfError)) throw e;
      throw new WharfError(e.code, e.message, {
        cause: e,
        hint: "check the context's URL and that this machine reaches it (a proxy: HTTPS_PROXY, HTTP_PROXY, NO_PROXY)",
      });
    });
    const kind = await archiveKind(got.path);
    if (kind === undefined) {
      const text = await readFile(got.path, "utf8");
      await rm(root, { recursive: true, force: true });
      return { kind: "text", text };
    }
    const dir = join(root, "tree");
    await mkdir(dir);
    await extractArchive(got.path, kind, dir);
    await rm(got.path, { force: true });
    return { kind: "dir", root, dir };
  } catch (e) {
    await rm(root, { recursive: true, force: true });
    if (e instanceof WharfError && !e.message.startsWith("unable to prepare context")) {
      throw new WharfError(e.code, `unable to prepare context: ${e.message}`, {
        cause: e,
        ...(e.hint ? { hint: e.hint } : {}),
      });
    }
    throw e;
  }
}

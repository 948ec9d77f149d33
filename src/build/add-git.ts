/**
 * `ADD <git repository> DEST` (BuildKit's git source): the repository at `#ref`, cloned by
 * remote-context.ts into the build's own temporary directory, its tree (`.git` only with
 * `--keep-git-dir=true`) copied into DEST. The step's key is the commit (which names the tree and
 * its submodules' commits), the directory and `--keep-git-dir`, as BuildKit keys a git source.
 */
import { join } from "node:path";
import { randomHex } from "../digest/index.js";
import type { BuildEnv } from "./env.js";
import { cloneGit, parseGitSource } from "./remote-context.js";
import { type Picked, pickSources } from "./select.js";

export async function gitSource(
  env: BuildEnv,
  spec: string,
  dest: string,
  keepGitDir: boolean,
): Promise<{ picked: Picked[]; key: string }> {
  const vertex = env.progress.vertex(`[internal] load git source ${spec}`);
  const src = parseGitSource(spec);
  const dir = join(env.tmp, `git-${randomHex(6)}`);
  const commit = await cloneGit(src, dir, env.opts.env ?? process.env, { keepGitDir });
  const root = src.subdir === undefined ? dir : join(dir, src.subdir);
  const picked = await pickSources({ dir: root }, ["."], {
    dest: dest.endsWith("/") ? dest : `${dest}/`,
    destIsDir: async () => true,
  });
  vertex.done();
  return { picked, key: `git\0${commit}\0${src.subdir ?? ""}\0${keepGitDir}` };
}

import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { chmod, chown, mkdir, rename, rm } from "node:fs/promises";
import { join, posix } from "node:path";
import { promisify } from "node:util";
import { resolveInRoot } from "../archive/index.js";
import { type Digest, hexOf, nodeCrypto, randomHex } from "../digest/index.js";
import type { RunMount } from "../dockerfile/index.js";
import { WharfError } from "../errors/index.js";
import { acquireLock } from "../files/index.js";
import type { ResolvedMount } from "../runtime/index.js";
import { type SshAgent, sshProxy } from "./ssh.js";
import type { SecretSource } from "./types.js";

const run = promisify(execFile);

/** A RUN mount made ready on the host: what runc mounts, and what to undo after the step. */
export interface PreparedMounts {
  mounts: ResolvedMount[];
  /** Extra environment (`type=secret,env=NAME`). */
  env: string[];
  release(): Promise<void>;
}

/** Where a mount's files come from, once the executor has resolved `from=` and the context. */
export interface MountSources {
  /** A host directory holding the files of `from=` (a stage or image, mounted), or the context. */
  treeOf(m: {
    from?: string;
    source?: string;
  }): Promise<{ dir: string; release(): Promise<void> } | undefined>;
  /** What identifies `from=`'s files (a stage's key, an image's ID) with `source`: a seeded cache's identity. */
  keyOf(m: { from?: string; source?: string }): Promise<Digest>;
  secrets: readonly SecretSource[];
  /** `--ssh` agents, by id. */
  ssh: readonly SshAgent[];
  env: NodeJS.ProcessEnv;
  /** `<root>/build/mounts`: the persistent cache mounts. */
  cacheRoot: string;
  /** A directory of the build's own for secret files and rw copies. */
  tmp: string;
}

const sha = (s: string) => nodeCrypto().createHash("sha256").update(s).digest("hex");

function secretValue(src: MountSources, id: string): Buffer | undefined {
  const s = [...src.secrets].reverse().find((x) => x.id === id);
  if (!s) return undefined;
  if (s.env !== undefined) {
    const v = src.env[s.env];
    return v === undefined ? undefined : Buffer.from(v);
  }
  if (s.file !== undefined) return readFileSync(s.file);
  const v = src.env[id];
  return v === undefined ? undefined : Buffer.from(v);
}

/**
 * The cache dir of a cache mount: `<root>/build/mounts/<sha256(id)>`, made with its mode and owner.
 * With `from=`, the cache is one per id and base (as BuildKit keys it on both), made from a copy
 * of the base's files at `source` (the base itself is never written to).
 */
async function cacheDir(src: MountSources, m: Extract<RunMount, { type: "cache" }>): Promise<string> {
  const id = m.id ?? m.target;
  const base = m.from !== undefined ? hexOf(await src.keyOf(m)) : undefined;
  const dir = join(src.cacheRoot, sha(base ? `${id}\0${base}` : id));
  if (!existsSync(dir)) {
    // Made beside, then renamed: a concurrent build sees no half-seeded cache.
    const made = `${dir}.new-${randomHex(6)}`;
    await mkdir(made, { recursive: true, mode: m.mode ?? 0o755 });
    try {
      if (base) await seed(src, m, made);
      await chmod(made, m.mode ?? 0o755);
      await chown(made, m.uid ?? 0, m.gid ?? 0).catch(() => undefined);
      writeFileSync(`${dir}.id`, `${id}\n`);
      await rename(made, dir).catch(async (e: unknown) => {
        if (!existsSync(dir)) throw e;
      });
    } finally {
      await rm(made, { recursive: true, force: true });
    }
  }
  return dir;
}

/** Copies `from=`'s files at `source` into a new cache dir. */
async function seed(src: MountSources, m: Extract<RunMount, { type: "cache" }>, into: string): Promise<void> {
  const tree = await src.treeOf(m);
  if (!tree) return;
  try {
    const path = await resolveInRoot(tree.dir, (m.source ?? ".").split("/"), { followLast: true });
    if (!existsSync(path)) {
      throw new WharfError(
        "not-found",
        `failed to mount ${m.target}: ${m.source ?? "."}: not found in ${m.from}`,
        {
          hint: "check the cache mount's source= against the from= stage or image",
        },
      );
    }
    await run("cp", ["-a", "--reflink=auto", "--", `${path}/.`, into]);
  } finally {
    await tree.release();
  }
}

/**
 * Makes a RUN's `--mount`s ready: cache dirs (persistent per id under the root, never in the
 * image; `locked` waits for other builds, `private` takes a fresh dir when another holds it),
 * secrets (a file of the build's own, read-only, or an environment variable: in no layer, no
 * history, no cache key), binds (from the context or a stage, read-only unless `rw`, whose
 * writes go to a throw-away copy) and tmpfs.
 */
export async function prepareMounts(list: readonly RunMount[], src: MountSources): Promise<PreparedMounts> {
  const mounts: ResolvedMount[] = [];
  const env: string[] = [];
  const undo: (() => Promise<void>)[] = [];
  let sshIndex = 0;
  const release = async () => {
    for (const u of undo.reverse()) await u().catch(() => undefined);
  };
  try {
    for (const m of list) {
      const target = posix.normalize(
        m.type === "secret" ? (m.target ?? `/run/secrets/${m.id}`) : (m.target ?? ""),
      );
      switch (m.type) {
        case "cache": {
          let dir = await cacheDir(src, m);
          if (m.sharing === "locked") {
            const unlock = await acquireLock(`${dir}.lock`, { timeoutMs: 24 * 3600_000 });
            undo.push(unlock);
          } else if (m.sharing === "private") {
            const got = await acquireLock(`${dir}.lock`, { timeoutMs: 0 }).catch(() => undefined);
            if (got) undo.push(got);
            else {
              const own = `${dir}-private-${randomHex(6)}`;
              await mkdir(own, { mode: m.mode ?? 0o755 });
              undo.push(() => rm(own, { recursive: true, force: true }));
              if (m.from !== undefined) await seed(src, m, own);
              await chown(own, m.uid ?? 0, m.gid ?? 0).catch(() => undefined);
              dir = own;
            }
          }
          mounts.push({ type: "bind", source: dir, destination: target, readOnly: m.readonly });
          break;
        }
        case "secret": {
          const value = secretValue(src, m.id);
          if (value === undefined) {
            if (m.required) {
              throw new WharfError("invalid-argument", `secret ${m.id}: not found`, {
                hint: `pass it with --secret id=${m.id},src=FILE (or env=VAR)`,
              });
            }
            break;
          }
          if (m.env !== undefined) {
            env.push(`${m.env}=${value.toString("utf8")}`);
            if (m.target === undefined) break;
          }
          const file = join(src.tmp, `secret-${randomHex(8)}`);
          writeFileSync(file, value, { mode: 0o600 });
          await chmod(file, m.mode ?? 0o400);
          await chown(file, m.uid ?? 0, m.gid ?? 0).catch(() => undefined);
          undo.push(() => rm(file, { force: true }));
          mounts.push({ type: "bind", source: file, destination: target, readOnly: true });
          break;
        }
        case "tmpfs":
          mounts.push({
            type: "tmpfs",
            source: "",
            destination: target,
            readOnly: false,
            options: m.size ? [`size=${m.size}`] : [],
          });
          break;
        case "bind": {
          const tree = await src.treeOf(m);
          if (!tree) {
            throw new WharfError("invalid-argument", "--mount=type=bind needs a build context", {
              hint: "give a context directory (or a tar on stdin), or bind from= a stage",
            });
          }
          undo.push(() => tree.release());
          const path = await resolveInRoot(tree.dir, (m.source ?? ".").split("/"), { followLast: true });
          if (!existsSync(path)) {
            throw new WharfError("not-found", `failed to mount ${target}: ${m.source ?? "."}: not found`, {
              hint: "check the bind mount's source against the build context or stage",
            });
          }
          let source = path;
          if (!m.readonly) {
            // rw: the step may write, but its writes are thrown away, as BuildKit's.
            source = join(src.tmp, `bind-${randomHex(8)}`);
            mkdirSync(source);
            await run("cp", ["-a", "--reflink=auto", "--", `${path}/.`, source]).catch(async () =>
              run("cp", ["-a", "--", path, source]),
            );
            undo.push(() => rm(source, { recursive: true, force: true }));
          }
          mounts.push({ type: "bind", source, destination: target, readOnly: m.readonly });
          break;
        }
        case "ssh": {
          // BuildKit: an agent the build was not given is an error only with required=true;
          // otherwise the mount is left out.
          const agent = [...src.ssh].reverse().find((a) => a.id === m.id);
          if (!agent) {
            if (m.required) {
              throw new WharfError("invalid-argument", `no SSH key "${m.id}" forwarded from the client`, {
                hint: `pass --ssh ${m.id} (the agent of $SSH_AUTH_SOCK) or --ssh ${m.id}=/path/to/agent.sock`,
              });
            }
            break;
          }
          const proxy = await sshProxy(agent, src.tmp, m);
          undo.push(() => proxy.close());
          const dest = m.target ?? `/run/buildkit/ssh_agent.${sshIndex}`;
          if (sshIndex === 0) env.push(`SSH_AUTH_SOCK=${dest}`);
          sshIndex++;
          mounts.push({ type: "bind", source: proxy.path, destination: dest, readOnly: false });
          break;
        }
      }
    }
    return { mounts, env, release };
  } catch (e) {
    await release();
    throw e;
  }
}

/** What a mount adds to a RUN's cache key: never a secret's value, nor a cache dir's content. */
export function mountKey(m: RunMount, sourceKey?: Digest): Record<string, unknown> {
  switch (m.type) {
    case "secret":
      return { type: m.type, id: m.id, target: m.target, env: m.env, required: m.required };
    case "cache":
      return {
        type: m.type,
        target: m.target,
        id: m.id ?? m.target,
        from: m.from,
        source: m.source,
        sharing: m.sharing,
        readonly: m.readonly,
        mode: m.mode,
        uid: m.uid,
        gid: m.gid,
      };
    case "bind":
      return {
        type: m.type,
        target: m.target,
        source: m.source,
        from: m.from,
        readonly: m.readonly,
        content: sourceKey ? hexOf(sourceKey) : undefined,
      };
    default:
      return { ...m };
  }
}

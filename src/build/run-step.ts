import { chmod, lstat, mkdir, readdir, rm, rmdir, writeFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { resolveInRoot } from "../archive/index.js";
import { type Digest, randomHex } from "../digest/index.js";
import { type RunInstruction, type RunMount, runHeredocPlan } from "../dockerfile/index.js";
import { errnoCode, WharfError } from "../errors/index.js";
import {
  adoptLayer,
  chainIds,
  containerSnapshotDir,
  diffRootfs,
  mountRootfs,
  prepareRootfs,
  removeRootfs,
  unmountRootfs,
} from "../rootfs/index.js";
import { type ResolvedMount, runTask } from "../runtime/index.js";
import { storeLayer } from "./blob.js";
import { cacheKey } from "./cache.js";
import { checkAborted, type StageRun, shownExpanded, stepName } from "./env.js";
import { runHistory } from "./history.js";
import { openLayerView } from "./layer-view.js";
import { commandArgv, DEFAULT_PATH } from "./meta.js";
import { mountKey, prepareMounts } from "./mounts.js";
import { hostsMount } from "./run-hosts.js";
import { commitStep, onceStep, stepFailed } from "./step.js";
import { sourceKey, treeOfSource } from "./trees.js";

/** The argv a RUN runs: exec form as written; shell form through SHELL; heredocs as BuildKit plans them. */
function runArgv(
  inst: RunInstruction,
  shell: string[] | undefined,
): { argv: string[]; file?: { name: string; content: string } } {
  const plan = runHeredocPlan(inst);
  if (plan?.kind === "file") return { argv: [`/dev/pipes/${plan.name}`], file: plan };
  if (plan?.kind === "script") return { argv: commandArgv({ form: "shell", script: plan.script }, shell) };
  return { argv: commandArgv(inst.command, shell) };
}

/**
 * Paths a mount needs in the tree that are not there: runc makes them (in the step's upper dir)
 * and BuildKit removes such stubs after the step, so that no mount point lands in the layer.
 */
async function missingStubs(rootfs: string, targets: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const t of targets) {
    const parts = t.split("/").filter(Boolean);
    if (["dev", "proc", "sys"].includes(parts[0] ?? "")) continue;
    for (let i = 1; i <= parts.length; i++) {
      const host = await resolveInRoot(rootfs, parts.slice(0, i), { followLast: false });
      try {
        await lstat(host);
      } catch (e) {
        if (errnoCode(e) !== "ENOENT") throw e;
        for (let j = parts.length; j >= i; j--) out.push(parts.slice(0, j).join("/"));
        break;
      }
    }
  }
  return out;
}

async function removeStubs(rootfs: string, stubs: readonly string[]): Promise<void> {
  for (const s of [...new Set(stubs)].sort((a, b) => b.length - a.length)) {
    const host = join(rootfs, s);
    try {
      const st = await lstat(host);
      if (st.isDirectory()) {
        if ((await readdir(host)).length === 0) await rmdir(host);
      } else if (st.size === 0) await rm(host);
    } catch {
      // gone already, or the step put something there: left as the step made it
    }
  }
}

/**
 * The mount points of the runtime's own mounts (`/proc`, `/sys`, `/dev`) that the image lacks.
 * runc makes them in the rootfs, and BuildKit's result keeps them (its stub cleanup removes only
 * `/etc/hosts`, `/etc/resolv.conf` and the RUN's own mounts; moby/buildkit#7039 keeps rootless
 * results the same): here the init layer holds them, so they are added to the step's upper dir.
 */
async function missingRuntimeDirs(run: StageRun): Promise<string[]> {
  const layers = run.state.layers;
  if (layers.length === 0) return ["dev", "proc", "sys"];
  const view = await openLayerView({
    snapshots: run.env.snapshots,
    store: run.env.images.content,
    layers,
    diffIds: layers.map((l) => l.diffId),
  });
  const out: string[] = [];
  for (const d of ["dev", "proc", "sys"]) if (!(await view.stat(d))) out.push(d);
  return out;
}

async function keepRuntimeDirs(upper: string, dirs: readonly string[]): Promise<void> {
  for (const d of dirs) {
    try {
      await lstat(join(upper, d));
    } catch (e) {
      if (errnoCode(e) !== "ENOENT") throw e;
      await mkdir(join(upper, d));
      await chmod(join(upper, d), 0o755);
    }
  }
}

/** A RUN step: cached by its inputs, else run in a container of the stage's tree; its changes are a layer. */
export async function runStep(run: StageRun, inst: RunInstruction): Promise<void> {
  const { env, state } = run;
  const cfg = state.config.config ?? {};
  const { argv, file } = runArgv(inst, cfg.Shell);
  const extra = run.scope.runEnv().map(([k, v]) => `${k}=${v}`);
  const procEnv = [...(cfg.Env ?? [])];
  if (!procEnv.some((e) => e.startsWith("PATH="))) procEnv.unshift(DEFAULT_PATH);
  for (const e of extra) if (!procEnv.some((x) => x.split("=", 1)[0] === e.split("=", 1)[0])) procEnv.push(e);
  const cwd = cfg.WorkingDir || "/";
  const network = inst.network && inst.network !== "default" ? inst.network : (env.opts.network ?? "default");
  // `RUN --security=insecure` needs the build's `--allow security.insecure` (BuildKit's entitlement).
  const insecure = inst.security === "insecure";
  if (insecure && !env.opts.allowInsecure) {
    throw new WharfError("build-failed", "security.insecure is not allowed", {
      hint: "build with --allow security.insecure to run this step privileged",
    });
  }
  const mountKeys: Record<string, unknown>[] = [];
  for (const m of inst.mounts) mountKeys.push(mountKey(m, await sourceKeyOf(run, m)));
  const buildArgs = run.scope.buildArgs().map(([key, value]) => ({ key, value }));
  const createdBy = runHistory(argv, buildArgs);
  const key = cacheKey({
    op: "run",
    parent: state.key,
    argv,
    env: procEnv,
    cwd,
    user: cfg.User ?? "",
    network,
    mounts: mountKeys,
    file: file?.content,
    // --add-host is part of the step, as BuildKit's ExecOp carries its extra hosts.
    hosts: env.opts.extraHosts?.length ? env.opts.extraHosts.map((h) => `${h.host}=${h.ip}`) : undefined,
    // Likewise --shm-size, --ulimit and --cgroup-parent (the ExecOp's /dev/shm mount and meta).
    shm: env.opts.shmSize,
    ulimits: env.opts.ulimits?.length ? env.opts.ulimits : undefined,
    cgroupParent: env.opts.cgroupParent,
    security: insecure ? "insecure" : undefined,
  });
  const secretEnv = inst.mounts.flatMap((m) => (m.type === "secret" && m.env ? [m.env] : []));
  const vertex = env.progress.vertex(
    stepName(run, shownExpanded(run, inst.original, { run: true, secretEnv })),
  );
  await onceStep(run, key, createdBy, vertex, () =>
    env.limit(async () => {
      checkAborted(run);
      const snapshots = env.snapshots;
      const dir = containerSnapshotDir(snapshots, `build-${process.pid}-${randomHex(6)}`);
      const taskDir = join(env.tmp, `task-${randomHex(6)}`);
      await mkdir(taskDir, { recursive: true });
      await env.ensureLayers(state.layers);
      const runtimeDirs = await missingRuntimeDirs(run);
      const prepared = await prepareRootfs({
        snapshots,
        store: env.images.content,
        layers: state.layers,
        diffIds: state.layers.map((l) => l.diffId),
        dir,
        mount: false,
      });
      const mounts = await prepareMounts(inst.mounts, {
        treeOf: (m: { from?: string; source?: string }) => treeOfSource(run, m.from, m.source ?? "."),
        keyOf: (m: { from?: string; source?: string }) => sourceKey(run, m.from, m.source ?? "."),
        secrets: env.opts.secrets ?? [],
        ssh: env.opts.ssh ?? [],
        env: env.opts.env ?? {},
        cacheRoot: join(env.opts.root, "build", "mounts"),
        tmp: env.tmp,
      });
      try {
        await mountRootfs(prepared, { init: true });
        const all: ResolvedMount[] = [...mounts.mounts];
        if (file) {
          const path = join(taskDir, "heredoc");
          await writeFile(path, file.content, { mode: 0o755 });
          all.push({ type: "bind", source: path, destination: `/dev/pipes/${file.name}`, readOnly: true });
        }
        if (env.opts.extraHosts?.length) all.push(hostsMount(taskDir, network, env.opts.extraHosts));
        const stubs = await missingStubs(
          prepared.rootfs,
          all.map((m) => posix.normalize(m.destination)),
        );
        const code = await runTask(env.runtime, {
          rootfs: prepared.rootfs,
          dir: taskDir,
          argv,
          env: [...procEnv, ...mounts.env],
          cwd,
          ...(cfg.User ? { user: cfg.User } : {}),
          network,
          mounts: all,
          onStdout: (c) => vertex.output(c),
          onStderr: (c) => vertex.output(c),
          ...(env.opts.signal ? { signal: env.opts.signal } : {}),
          ...(env.opts.shmSize ? { shmSize: env.opts.shmSize } : {}),
          ...(env.opts.ulimits?.length ? { ulimits: env.opts.ulimits } : {}),
          ...(env.opts.cgroupParent ? { cgroupParent: env.opts.cgroupParent } : {}),
          ...(insecure ? { privileged: true } : {}),
        });
        await removeStubs(prepared.rootfs, stubs);
        if (prepared.mode === "overlay") await keepRuntimeDirs(join(dir, "upper"), runtimeDirs);
        if (code !== 0) {
          // Killed because the build stops (^C, or another stage failed): not this step's failure.
          if (env.opts.signal?.aborted) {
            vertex.canceled();
            throw new WharfError("build-failed", "canceled", { hint: "the build was canceled" });
          }
          throw stepFailed(
            vertex,
            `process "${argv.join(" ")}" did not complete successfully: exit code: ${code}`,
          );
        }
        const layer = await storeLayer(env.images.content, diffRootfs(prepared, { clampMtime: env.epoch }));
        // The upper dir is that layer unpacked: the next step mounts it instead of unpacking the
        // blob. Not with SOURCE_DATE_EPOCH, whose blob has other times than the upper dir.
        if (layer && prepared.mode === "overlay" && !env.epoch) {
          await unmountRootfs(prepared);
          const chain = chainIds([...state.layers.map((l) => l.diffId), layer.diffId]);
          await adoptLayer({
            snapshots,
            chainId: chain[chain.length - 1] as Digest,
            diffId: layer.diffId,
            digest: layer.digest,
            size: layer.size,
            upper: join(dir, "upper"),
          });
        }
        await commitStep(run, { key, createdBy, layer, vertex });
      } finally {
        await mounts.release();
        await removeRootfs(dir).catch(() => undefined);
        await rm(taskDir, { recursive: true, force: true });
      }
    }),
  );
}

/** What a bind mount's files add to the key: the content of a context source, or the stage's key. */
async function sourceKeyOf(run: StageRun, m: RunMount) {
  if (m.type !== "bind") return undefined;
  return sourceKey(run, m.from, m.source ?? ".");
}

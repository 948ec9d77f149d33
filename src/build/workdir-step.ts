import { posix } from "node:path";
import { type PackEntry, packEntries } from "../archive/index.js";
import type { WorkdirInstruction } from "../dockerfile/index.js";
import { storeLayer } from "./blob.js";
import { cacheKey } from "./cache.js";
import { type StageRun, shownExpanded, stepName } from "./env.js";
import { resolveChown } from "./layer-view.js";
import { addHistory } from "./meta.js";
import { commitStep, onceStep, stageView } from "./step.js";
import { clampTime } from "./time.js";

/**
 * WORKDIR: relative to the previous one; the directory is made (with its missing parents, 0755,
 * owned by the stage's USER as BuildKit's mkdir does) as a layer of its own, or an empty layer
 * when it exists. `WORKDIR /` changes only the config.
 */
export async function workdirStep(run: StageRun, inst: WorkdirInstruction): Promise<void> {
  const { env, state } = run;
  const cfg = state.config.config ?? {};
  const wd = posix.normalize(
    inst.path.startsWith("/") ? inst.path : posix.join("/", cfg.WorkingDir ?? "/", inst.path),
  );
  const dir = wd.length > 1 ? wd.replace(/\/+$/, "") : wd;
  state.config = { ...state.config, config: { ...cfg, WorkingDir: dir } };
  if (dir === "/") {
    addHistory(state, `WORKDIR ${dir}`, {
      layer: false,
      now: env.now,
      ...(env.epoch ? { epoch: env.epoch } : {}),
    });
    return;
  }
  const user = cfg.User ?? "";
  const key = cacheKey({ op: "workdir", parent: state.key, dir, user });
  const vertex = env.progress.vertex(stepName(run, shownExpanded(run, inst.original)));
  const createdBy = `WORKDIR ${dir}`;
  await onceStep(run, key, createdBy, vertex, async () => {
    const view = await stageView(run);
    const owner = user ? await resolveChown(view, user) : { uid: 0, gid: 0 };
    const entries: PackEntry[] = [];
    const parts = dir.split("/").filter(Boolean);
    const mtime = clampTime(env.now, env.epoch);
    for (let i = 1; i <= parts.length; i++) {
      const p = parts.slice(0, i).join("/");
      if (await view?.stat(p)) continue;
      entries.push({ name: p, type: "directory", mode: 0o755, ...owner, mtime });
    }
    const layer = entries.length > 0 ? await storeLayer(env.images.content, packEntries(entries)) : undefined;
    await commitStep(run, { key, createdBy, layer, vertex });
  });
}

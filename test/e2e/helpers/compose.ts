import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { closeAll, pushBusyboxWith, removeContainers } from "./busybox-image.js";
import type { LayerEntry } from "./layout.js";
import { removeRootBridges } from "./network.js";
import { type RunningRegistry, startDistribution, startWharfRegistry } from "./registries.js";
import { type WharfCli, wharfCli } from "./wharf-cli.js";

/** What a `wharf compose` end-to-end file works with: its temp dir, a registry, a CLI, a busybox image in it. */
export interface ComposeE2E {
  dir: string;
  reg: RunningRegistry;
  cli: WharfCli;
  /** The busybox image's reference in `reg`. */
  image: string;
}

export interface ComposeE2EOptions {
  /** The temp dir is `wharf-e2e-<name>-XXXXXX`. */
  name: string;
  /** The image: `<reg>/e2e/<repo>:<tag>` (`tag` "1" unless given; `null`: none), `sh` as its command. */
  repo: string;
  tag?: string | null;
  applets: readonly string[];
  /** More entries of the image's layer, from files this writes in the temp dir. */
  extra?: (dir: string) => Promise<LayerEntry[]>;
  /** `wharf`: wharf's own registry (`wharf registry serve`) rather than Distribution. */
  registry?: "distribution" | "wharf";
}

/**
 * A compose end-to-end file's set-up: a temp dir, a registry, the built CLI with a fresh root, and a
 * busybox image pushed to the registry. When a step fails, what was made is closed before it throws.
 */
export async function composeE2E(o: ComposeE2EOptions): Promise<ComposeE2E> {
  const made: Partial<ComposeE2E> = {};
  try {
    made.dir = await mkdtemp(join(tmpdir(), `wharf-e2e-${o.name}-`));
    made.reg = await (o.registry === "wharf" ? startWharfRegistry() : startDistribution());
    made.cli = await wharfCli();
    const tag = o.tag === undefined ? "1" : o.tag;
    made.image = (
      await pushBusyboxWith(made.reg, join(made.dir, "layout"), {
        repo: o.repo,
        ...(tag !== null ? { tag } : {}),
        applets: o.applets,
        cmd: ["sh"],
        ...(o.extra ? { extra: await o.extra(made.dir) } : {}),
      })
    ).ref;
    return made as ComposeE2E;
  } catch (e) {
    await closeAll(made.cli, [made.reg], made.dir);
    throw e;
  }
}

/**
 * A compose end-to-end file's tear-down: `commands` (wharf's arguments, each run with `env`: the
 * projects' `down`s, containers and networks made by name), then every container of the root
 * (runc states included), its networks (`network prune` when `pruneNetworks`) and bridges; then the
 * registry, the CLI and the temp dir. Any of them may be missing (a set-up that failed).
 */
export async function composeTeardown(
  e: Partial<ComposeE2E>,
  o: { commands?: string[][]; env?: NodeJS.ProcessEnv; pruneNetworks?: boolean } = {},
): Promise<void> {
  const { cli } = e;
  if (cli) {
    for (const args of o.commands ?? []) await cli.run(args, { env: o.env ?? {} });
    await removeContainers(cli);
    if (o.pruneNetworks) await cli.run(["network", "prune", "-f"], { env: o.env ?? {} });
    await removeRootBridges(cli.root);
  }
  await closeAll(undefined, [e.reg, cli], e.dir);
}

/** `compose -p NAME down FLAGS` for each project name, as `composeTeardown`'s commands. */
export function downs(projects: readonly string[], ...flags: string[]): string[][] {
  return projects.map((p) => ["compose", "-p", p, "down", ...flags]);
}

/** `compose --project-directory DIR -f DIR/compose.yaml`: the start of a command on the project in `proj`. */
export function composeIn(proj: string): string[] {
  return ["compose", "--project-directory", proj, "-f", join(proj, "compose.yaml")];
}

/**
 * A project directory: each of `files` (paths below `proj`, their directories made; a path ending
 * in `/` is an empty directory) written. Returns `proj`.
 */
export async function writeProject(proj: string, files: Record<string, string>): Promise<string> {
  await mkdir(proj, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    if (path.endsWith("/")) {
      await mkdir(join(proj, path), { recursive: true });
      continue;
    }
    await mkdir(dirname(join(proj, path)), { recursive: true });
    await writeFile(join(proj, path), text);
  }
  return proj;
}

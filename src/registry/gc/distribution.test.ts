import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { fsDriver } from "../driver/fs.js";
import { DISTRIBUTION_BIN, registryConfigYaml, startDistribution } from "../testing/distribution.js";
import { startTestRegistry } from "../testing/server.js";
import { garbageCollect } from "./collect.js";
import { pushScenario, type Scenario, validateKept } from "./testing/scenario.js";

/**
 * wharf's collection against Distribution 2.8.2's (`docker-registry garbage-collect`) on copies of
 * one directory: the same lines (marks, eligible manifests and blobs, the summary; Distribution
 * prints its deletions in Go's map order, so lines are compared sorted) and the same blobs left.
 */
const run = promisify(execFile);

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "wharf-gc-dist-"));
  cleanup.push(() => rm(d, { recursive: true, force: true }));
  return d;
}

/** Two copies of a directory holding the scenario, written by wharf or by Distribution. */
async function written(by: "wharf" | "distribution", opts: Parameters<typeof pushScenario>[1]) {
  const dir = await tmp();
  const one = join(dir, "one");
  let s: Scenario;
  if (by === "wharf") {
    const r = await startTestRegistry({ driver: fsDriver({ root: one }) });
    s = await pushScenario(r.url, opts);
    await r.close();
  } else {
    const d = await startDistribution({ root: one });
    s = await pushScenario(d.url, opts);
    await d.close();
  }
  const two = join(dir, "two");
  await run("cp", ["-a", one, two]);
  return { dir, one, two, s };
}

async function distributionGc(dir: string, root: string, flags: string[]): Promise<string[]> {
  const config = join(dir, `config-${flags.join("")}.yml`);
  await writeFile(config, registryConfigYaml(root, 5000));
  const { stdout } = await run(DISTRIBUTION_BIN, ["garbage-collect", ...flags, config]);
  return stdout.split("\n").slice(0, -1);
}

async function wharfGc(root: string, deleteUntagged: boolean): Promise<string[]> {
  const lines: string[] = [];
  await garbageCollect(fsDriver({ root }), { deleteUntagged, emit: (l) => lines.push(l) });
  return lines;
}

async function blobsLeft(root: string): Promise<string[]> {
  const dir = join(root, "docker/registry/v2/blobs");
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name === "data") out.push(e.parentPath.slice(dir.length));
  }
  return out.sort();
}

const sorted = (xs: string[]) => [...xs].sort();

describe("garbage collection compared with Distribution 2.8.2", () => {
  for (const by of ["wharf", "distribution"] as const) {
    it(`marks and deletes the same on a directory ${by} wrote`, async () => {
      const { dir, one, two, s } = await written(by, { index: true });
      const theirs = await distributionGc(dir, one, []);
      const ours = await wharfGc(two, false);
      expect(sorted(ours)).toEqual(sorted(theirs));
      expect(ours.filter((l) => l.startsWith("blob eligible")).length).toBe(s.garbage.length);
      expect(await blobsLeft(two)).toEqual(await blobsLeft(one));
      // Each registry serves every tag whole from what the other's collection left.
      const wharf = await startTestRegistry({ driver: fsDriver({ root: one }) });
      cleanup.push(wharf.close);
      expect(await validateKept(wharf.host, s)).toBeGreaterThan(0);
      const dist = await startDistribution({ root: two });
      cleanup.push(dist.close);
      expect(await validateKept(dist.host, s)).toBeGreaterThan(0);
    });

    it(`with --delete-untagged, marks and deletes the same on a directory ${by} wrote`, async () => {
      const { dir, one, two, s } = await written(by, {});
      const theirs = await distributionGc(dir, one, ["--delete-untagged"]);
      const ours = await wharfGc(two, true);
      expect(sorted(ours)).toEqual(sorted(theirs));
      expect(ours).toContain(`manifest eligible for deletion: ${s.untagged.digest}`);
      expect(await blobsLeft(two)).toEqual(await blobsLeft(one));
    });
  }

  it("dry runs print the same, but for the tagged index's child that wharf keeps", async () => {
    const { dir, one, two, s } = await written("wharf", { index: true });
    const theirs = await distributionGc(dir, one, ["--dry-run", "--delete-untagged"]);
    const ours: string[] = [];
    await garbageCollect(fsDriver({ root: two }), {
      dryRun: true,
      deleteUntagged: true,
      emit: (l) => ours.push(l),
    });
    const minus = (xs: string[], ys: string[]) => {
      const left = [...ys];
      return xs.filter((x) => {
        const i = left.indexOf(x);
        if (i < 0) return true;
        left.splice(i, 1);
        return false;
      });
    };
    const summary = (n: number) =>
      expect.stringMatching(new RegExp(`^\\d+ blobs marked, \\d+ blobs and ${n} manifests eligible`));
    expect(minus(theirs, ours).sort()).toEqual(
      [`manifest eligible for deletion: ${s.child}`, summary(2)].sort(),
    );
    const onlyOurs = minus(ours, theirs);
    expect(onlyOurs).toContain(`b: marking manifest ${s.child} `);
    expect(onlyOurs).toContainEqual(summary(1));
    // The child's config and layer, which tmp:child marks too.
    for (const l of onlyOurs.filter((x) => x.startsWith("b: marking blob "))) {
      expect(ours).toContain(l.replace("b:", "tmp:"));
    }
    expect(onlyOurs).toHaveLength(4);
  });

  it("where they differ: --delete-untagged keeps a tagged index's children, which Distribution deletes", async () => {
    const { dir, one, two, s } = await written("distribution", { index: true });
    const theirs = await distributionGc(dir, one, ["--delete-untagged"]);
    expect(theirs).toContain(`manifest eligible for deletion: ${s.child}`);
    const ours = await wharfGc(two, true);
    expect(ours).toContain(`b: marking manifest ${s.child} `);
    const index = s.kept.filter((k) => k.repo === "b");
    const dist = await startDistribution({ root: one });
    cleanup.push(dist.close);
    await expect(validateKept(dist.host, { kept: index })).rejects.toThrow();
    const wharf = await startTestRegistry({ driver: fsDriver({ root: two }) });
    cleanup.push(wharf.close);
    expect(await validateKept(wharf.host, { kept: index })).toBeGreaterThan(0);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { tempDirs } from "../files/testing/temp.js";
import { openImages, readManifest } from "../images/index.js";
import { validateRoot } from "../images/testing/validate.js";
import { build } from "./build.js";
import { BUSYBOX_BASE, busyboxContext } from "./testing/context.js";
import type { BuildOptions, BuildResult } from "./types.js";

const temp = tempDirs("wharf-build-concurrent-");

/** A base stage whose RUN leaves the time it ran (a second run of it makes another layer). */
const SHARED = `${BUSYBOX_BASE}
RUN date +%s%N > /stamp && sleep 0.5
`;

/** Two Dockerfiles of one context that share the stage `base`, each adding a step of its own. */
function twoFiles(shared: string): string {
  return busyboxContext(temp, {
    "one.Dockerfile": `${shared}
FROM base
RUN echo one > /one
`,
    "two.Dockerfile": `${shared}
FROM base
WORKDIR /two
RUN echo two > /two/file
`,
  });
}

const opts = (root: string, ctx: string, file: string, tag: string, env: Record<string, string> = {}) =>
  ({
    root,
    context: ctx,
    file: `${ctx}/${file}`,
    tags: [tag],
    progress: "quiet",
    env,
  }) satisfies BuildOptions;

const roots: string[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) expect((await validateRoot(r)).blobs).toBeGreaterThan(0);
});

/** The layer digests of a build's image. */
async function layersOf(root: string, r: BuildResult): Promise<string[]> {
  const images = await openImages(root);
  try {
    const { manifest } = await readManifest(images.content, r.manifest.digest);
    return manifest.layers.map((l) => l.digest);
  } finally {
    await images.close();
  }
}

describe("builds at once in one process (bake's targets)", () => {
  it("make a base stage they share once, and give the IDs the builds one after another give", async () => {
    const ctx = twoFiles(SHARED);
    const root = temp();
    roots.push(root);
    const [one, two] = await Promise.all([
      build(opts(root, ctx, "one.Dockerfile", "one:1")),
      build(opts(root, ctx, "two.Dockerfile", "two:1")),
    ]);
    // The base's steps ran once (COPY and two RUNs), the other build took them from the cache.
    const ran = (r: BuildResult) => r.steps.done;
    expect([one, two].map((r) => r.steps.cached).sort()).toEqual([0, 3]);
    expect(ran(one) + ran(two)).toBe(3 + 1 + 2);
    const [l1, l2] = [await layersOf(root, one), await layersOf(root, two)];
    expect(l1.slice(0, 3)).toEqual(l2.slice(0, 3));
    // One after another on the same root: every step cached, the same images.
    const again1 = await build(opts(root, ctx, "one.Dockerfile", "one:1"));
    const again2 = await build(opts(root, ctx, "two.Dockerfile", "two:1"));
    expect([again1.id, again2.id]).toEqual([one.id, two.id]);
    expect([again1.steps.done, again2.steps.done]).toEqual([0, 0]);
    const images = await openImages(root);
    try {
      expect((await images.lookup("docker.io/library/one:1"))?.digest).toBe(one.manifest.digest);
      expect((await images.lookup("docker.io/library/two:1"))?.digest).toBe(two.manifest.digest);
    } finally {
      await images.close();
    }
  }, 120_000);

  it("with SOURCE_DATE_EPOCH give the image IDs of the sequential builds on another root", async () => {
    const ctx = twoFiles(`${BUSYBOX_BASE}\nRUN echo shared > /shared\n`);
    const env = { SOURCE_DATE_EPOCH: "1700000000" };
    const [atOnce, oneByOne] = [temp(), temp()];
    roots.push(atOnce, oneByOne);
    const together = await Promise.all([
      build(opts(atOnce, ctx, "one.Dockerfile", "one:1", env)),
      build(opts(atOnce, ctx, "two.Dockerfile", "two:1", env)),
    ]);
    const first = await build(opts(oneByOne, ctx, "one.Dockerfile", "one:1", env));
    const second = await build(opts(oneByOne, ctx, "two.Dockerfile", "two:1", env));
    expect(together.map((r) => r.id)).toEqual([first.id, second.id]);
    expect(second.steps.cached).toBe(3);
  }, 120_000);

  it("a build waiting for another's step stops when it is aborted, and the other goes on", async () => {
    const ctx = busyboxContext(temp, {
      "slow.Dockerfile": `${BUSYBOX_BASE}\nRUN sleep 2 && echo slow > /slow\n`,
      "other.Dockerfile": `${BUSYBOX_BASE}\nRUN sleep 2 && echo slow > /slow\nRUN echo more > /more\n`,
    });
    const root = temp();
    roots.push(root);
    const ac = new AbortController();
    const slow = build(opts(root, ctx, "slow.Dockerfile", "slow:1"));
    const other = build({ ...opts(root, ctx, "other.Dockerfile", "other:1"), signal: ac.signal });
    setTimeout(() => ac.abort(), 1000);
    const started = Date.now();
    await expect(other).rejects.toThrow(/cancel/);
    expect(Date.now() - started).toBeLessThan(1900);
    // Its base steps ran here or were taken from the other build (whichever started them first);
    // the RUN the aborted build had begun is run here again.
    const done = await slow;
    expect(done.steps.done + done.steps.cached).toBe(3);
    expect(done.steps.done).toBeGreaterThanOrEqual(1);
  }, 120_000);
});

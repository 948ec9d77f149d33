import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Digest } from "../digest/index.js";
import { tempDirs } from "../files/testing/temp.js";
import { validateRoot } from "../images/testing/validate.js";
import { startDistribution } from "../registry/testing/distribution.js";
import { startTestRegistry } from "../registry/testing/server.js";
import { build } from "./build.js";
import { CACHE_CONFIG_TYPE } from "./cache-format.js";
import { BUSYBOX_BASE, busyboxContext } from "./testing/context.js";
import type { BuildOptions } from "./types.js";

const temp = tempDirs("wharf-build-cache-");

const context = (files: Record<string, string>): string => busyboxContext(temp, files);

const DOCKERFILE = `${BUSYBOX_BASE}
FROM base AS builder
WORKDIR /src
COPY app.txt ./
RUN tr a-z A-Z < app.txt > out.txt

FROM base
COPY --from=builder /src/out.txt /srv/out.txt
RUN wc -c /srv/out.txt > /srv/len
CMD ["cat", "/srv/out.txt"]
`;

/** Every step line a build printed: `CACHED` or not. */
function stepLines(out: string): { cached: number; done: number } {
  const cached = out.match(/^#\d+ CACHED$/gm)?.length ?? 0;
  const done = out.match(/^#\d+ DONE \d+\.\ds$/gm)?.length ?? 0;
  return { cached, done };
}

async function buildIn(root: string, ctx: string, o: Partial<BuildOptions> = {}) {
  const chunks: string[] = [];
  const progressOut = {
    write: (s: string | Uint8Array) => {
      chunks.push(String(s));
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const r = await build({ root, context: ctx, progress: "plain", progressOut, env: {}, ...o });
  return { ...r, out: chunks.join("") };
}

const storedBlobs = (root: string) => new Set(readdirSync(join(root, "store", "blobs", "sha256")));

describe("build cache export and import", () => {
  let ctx: string;
  beforeAll(() => {
    ctx = context({ Dockerfile: DOCKERFILE, "app.txt": "hello\n" });
  });

  for (const peer of ["wharf", "distribution"] as const) {
    describe(`through a registry (${peer})`, () => {
      let reg: { host: string; close(): Promise<void> };
      beforeAll(async () => {
        reg = peer === "wharf" ? await startTestRegistry() : await startDistribution();
      }, 60_000);
      afterAll(async () => reg?.close());

      it("mode=max: an empty root builds every step CACHED, the same image ID, fetching only the final image's layers", async () => {
        const a = temp();
        const ref = `${reg.host}/cache/app:buildcache`;
        const first = await buildIn(a, ctx, { cacheTo: [{ type: "registry", ref, mode: "max" }] });
        expect(first.steps.cached).toBe(0);
        expect(first.out).toMatch(
          /#\d+ exporting cache to registry\n(#\d+ .*\n)*#\d+ writing cache image manifest sha256:[0-9a-f]{64} done/,
        );
        const b = temp();
        const second = await buildIn(b, ctx, { cacheFrom: [{ type: "registry", ref }] });
        expect(second.out).toContain(`importing cache manifest from ${ref}`);
        expect(second.steps).toEqual({ done: 0, cached: first.steps.done });
        expect(stepLines(second.out).cached).toBe(first.steps.done);
        expect(second.out).not.toMatch(/^#\d+ 0\.\d{3} /m);
        expect(second.id).toBe(first.id);
        // The builder stage's own layers (WORKDIR, COPY app.txt, RUN tr) were never fetched.
        const builderOnly = [...storedBlobs(a)].filter((d) => !storedBlobs(b).has(d));
        expect(builderOnly.length).toBeGreaterThanOrEqual(3);
        for (const l of second.config.rootfs.diff_ids) expect(l).toMatch(/^sha256:/);
        await validateRoot(a);
        await validateRoot(b);
        // The imported records whose layers were fetched are kept: without --cache-from the same
        // root takes base's steps from its own cache; the builder's (never fetched) run again.
        const third = await buildIn(b, ctx);
        expect(third.steps.cached).toBe(2);
        await validateRoot(b);
      }, 120_000);

      it("a missing cache is shown as an error on its step and the build goes on", async () => {
        const root = temp();
        const r = await buildIn(root, ctx, {
          target: "base",
          cacheFrom: [{ type: "registry", ref: `${reg.host}/cache/none:nothing` }],
        });
        expect(r.out).toMatch(/#\d+ importing cache manifest from .*\/cache\/none:nothing\n#\d+ ERROR: /);
        expect(r.steps.done).toBe(2);
        await validateRoot(root);
      }, 60_000);
    });
  }

  it("mode=min exports the image's steps only; a RUN after a cached step fetches the layers it mounts", async () => {
    const reg = await startTestRegistry();
    try {
      const a = temp();
      const dest = temp();
      const ref = `${reg.host}/cache/min`;
      const first = await buildIn(a, ctx, {
        cacheTo: [
          { type: "registry", ref },
          { type: "local", dest, mode: "max" },
        ],
      });
      const index = JSON.parse(readFileSync(join(dest, "index.json"), "utf8")) as {
        manifests: { digest: Digest; annotations: Record<string, string> }[];
      };
      expect(index.manifests.map((m) => m.annotations["org.opencontainers.image.ref.name"])).toEqual([
        "latest",
      ]);
      const manifest = JSON.parse(
        readFileSync(join(dest, "blobs", "sha256", (index.manifests[0]?.digest ?? "").slice(7)), "utf8"),
      ) as { config: { mediaType: string; digest: string }; layers: unknown[] };
      expect(manifest.config.mediaType).toBe(CACHE_CONFIG_TYPE);
      const cfg = JSON.parse(
        readFileSync(join(dest, "blobs", "sha256", manifest.config.digest.slice(7)), "utf8"),
      ) as { records: unknown[] };
      expect(cfg.records.length).toBe(first.steps.done);
      // min: base's two steps and the final stage's COPY and RUN, not the builder's three.
      const b = temp();
      const min = await buildIn(b, ctx, { cacheFrom: [{ type: "registry", ref }] });
      // The builder runs again; its result is a new state, so the COPY --from and the RUN after it run too.
      expect(min.steps).toEqual({ cached: 2, done: first.steps.done - 2 });
      await validateRoot(b);
      // The local (max) cache gives all of them; a change of app.txt reruns what depends on it,
      // mounting the cached base layers fetched from the directory.
      const c = temp();
      const local = await buildIn(c, ctx, { cacheFrom: [{ type: "local", src: dest }] });
      expect(local.steps).toEqual({ cached: first.steps.done, done: 0 });
      expect(local.id).toBe(first.id);
      await validateRoot(c);
      const changed = context({ Dockerfile: DOCKERFILE, "app.txt": "other\n" });
      const d = temp();
      const partial = await buildIn(d, changed, { cacheFrom: [{ type: "local", src: dest }] });
      expect(partial.steps).toEqual({ cached: 3, done: first.steps.done - 3 });
      expect(existsSync(join(d, "store"))).toBe(true);
      await validateRoot(d);
    } finally {
      await reg.close();
    }
  }, 180_000);
});

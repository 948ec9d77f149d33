import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushBusybox, removeContainers } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution, startWharfRegistry } from "./helpers/registries.js";
import { skopeo } from "./helpers/tools.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const DOCKERFILE = (base: string) => `FROM ${base} AS build
WORKDIR /src
COPY words.txt .
RUN sort words.txt > sorted.txt && wc -l < sorted.txt > count.txt

FROM ${base}
ARG FLAVOR=plain
COPY --from=build /src/sorted.txt /src/count.txt /out/
RUN echo "$FLAVOR" > /out/flavor
ENV FLAVOR=$FLAVOR
CMD ["/bin/busybox", "cat", "/out/sorted.txt"]
`;

/**
 * The build cache across machines: one root exports it (`--cache-to type=registry`), a second,
 * empty root (the base image still to pull) imports it and builds every step CACHED into the same
 * image, against Distribution 2.8.2 and wharf's own registry.
 */
describe.each(["distribution", "wharf"])("build cache through %s's registry", (which) => {
  let reg: RunningRegistry;
  let dir: string;
  let base: string;
  const clis: WharfCli[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-build-cache-"));
    reg = which === "wharf" ? await startWharfRegistry() : await startDistribution();
    base = (await pushBusybox(reg, join(dir, "layout"), "busybox", ["sh"])).ref;
    mkdirSync(join(dir, "ctx"));
    writeFileSync(join(dir, "ctx", "Dockerfile"), DOCKERFILE(base));
    writeFileSync(join(dir, "ctx", "words.txt"), "pear\napple\nfig\n");
  }, 120_000);

  afterAll(async () => {
    for (const c of clis) {
      await removeContainers(c);
      await c.close();
    }
    await reg?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const fresh = async () => {
    const c = await wharfCli();
    clis.push(c);
    return c;
  };

  it("mode=max: an empty root reports every step CACHED and gives the same image ID; skopeo reads the cache manifest", async () => {
    const a = await fresh();
    const cache = `${reg.host}/cache/app:buildcache`;
    const first = await a.run([
      "build",
      "--progress",
      "plain",
      "--iidfile",
      join(a.dir, "iid"),
      "--cache-to",
      `type=registry,ref=${cache},mode=max`,
      join(dir, "ctx"),
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/#\d+ exporting cache to registry\n/);
    expect(first.stderr).toMatch(/#\d+ writing cache image manifest sha256:[0-9a-f]{64} done/);
    const ran = first.stderr.match(/^#\d+ DONE/gm)?.length ?? 0;
    const raw = JSON.parse(await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${cache}`)) as {
      config: { mediaType: string };
      layers: unknown[];
    };
    expect(raw.config.mediaType).toBe("application/vnd.wharf.build.cache.config.v1+json");
    // WORKDIR, COPY, RUN of build; COPY --from and RUN of the final stage.
    expect(raw.layers.length).toBe(5);

    const b = await fresh();
    const second = await b.run([
      "build",
      "--progress",
      "plain",
      "-t",
      "from-cache",
      "--cache-from",
      `type=registry,ref=${cache}`,
      join(dir, "ctx"),
    ]);
    expect(second.code, second.stderr).toBe(0);
    // (A step's header repeats when its lines interleave with another's, as BuildKit's plain output.)
    const steps = new Set(second.stderr.match(/^#\d+ \[(build|stage-1) +\d\/\d\] (RUN|COPY|WORKDIR).*$/gm));
    expect(steps.size).toBe(5);
    for (const s of steps) {
      const id = s.split(" ")[0] as string;
      expect(second.stderr).toContain(`${id} CACHED`);
    }
    // Nothing ran: no RUN output, no step DONE but the import and the export.
    expect(second.stderr).not.toMatch(/^#\d+ \d+\.\d{3} /m);
    expect(ran).toBeGreaterThan(5);
    const id = (await b.ok("inspect", "--format", "{{.Id}}", "from-cache")).trim();
    expect(id).toBe((await a.ok("build", "-q", join(dir, "ctx"))).trim());
    expect(await b.ok("run", "--rm", "from-cache")).toBe("apple\nfig\npear\n");
    await validateRoot(b.root);
  });

  it("mode=min (the default) exports the image's own steps: the builder stage runs again on the empty root", async () => {
    const a = await fresh();
    const cache = `${reg.host}/cache/app:min`;
    const first = await a.run(["build", "-q", "--cache-to", `type=registry,ref=${cache}`, join(dir, "ctx")]);
    expect(first.code, first.stderr).toBe(0);
    const raw = JSON.parse(await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${cache}`)) as {
      layers: unknown[];
    };
    expect(raw.layers.length).toBe(2);
    const b = await fresh();
    const second = await b.run(["build", "--progress", "plain", "--cache-from", cache, join(dir, "ctx")]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/\[build 4\/4\] RUN sort .*\n(#\d+ .*\n)*#\d+ DONE/);
    await validateRoot(b.root);
  });
  it("inline: BUILDKIT_INLINE_CACHE=1 keeps the records in the pushed image; --cache-from IMAGE on an empty root reuses them", async () => {
    const a = await fresh();
    const image = `${reg.host}/inline/app:latest`;
    // one stage: mode min's records are every step (a builder stage's would run again, as above)
    const ctx = join(dir, "inline-ctx");
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, "words.txt"), "pear\napple\nfig\n");
    writeFileSync(
      join(ctx, "Dockerfile"),
      `FROM ${base}\nCOPY words.txt /src/\nRUN sort /src/words.txt > /sorted.txt\nCMD ["/bin/busybox", "cat", "/sorted.txt"]\n`,
    );
    const first = await a.run(["build", "-q", "--build-arg", "BUILDKIT_INLINE_CACHE=1", "-t", image, ctx]);
    expect(first.code, first.stderr).toBe(0);
    await a.ok("push", "-q", image);
    const config = JSON.parse(
      await skopeo("inspect", "--config", "--raw", "--tls-verify=false", `docker://${image}`),
    );
    expect(config["io.wharf.build.cache.v1"].records.length).toBeGreaterThan(0);

    const b = await fresh();
    const second = await b.run([
      "build",
      "--progress",
      "plain",
      "--cache-from",
      image,
      "-t",
      "inline-app",
      ctx,
    ]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/#\d+ importing cache manifest from /);
    // every step comes from the image's records: nothing runs
    const steps = second.stderr.match(/^(#\d+) \[[23]\/3\] (COPY|RUN) .*$/gm) ?? [];
    expect(steps).toHaveLength(2);
    for (const s of steps) expect(second.stderr).toContain(`${s.split(" ")[0]} CACHED`);
    const layers = (c: WharfCli, ref: string) => c.ok("inspect", "--format", "{{json .RootFS.Layers}}", ref);
    expect(await layers(b, "inline-app")).toBe(await layers(a, image));
    expect(await b.ok("run", "--rm", "inline-app")).toBe("apple\nfig\npear\n");

    // an image without an inline cache: shown on its step, the build goes on
    const c = await fresh();
    const plain = await c.run(["build", "--progress", "plain", "--cache-from", base, ctx]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(/without an inline cache/);
    const bad = await c.run(["build", "-q", "--cache-to", "type=inline,mode=max", ctx]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/inline cache does not support mode=max/);
    await validateRoot(b.root);
  });
});

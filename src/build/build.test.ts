import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Digest } from "../digest/index.js";
import { tempDirs } from "../files/testing/temp.js";
import { openImages, readConfig, readManifest } from "../images/index.js";
import { validateRoot } from "../images/testing/validate.js";
import { build } from "./build.js";
import { BUSYBOX_BASE, busyboxContext, listTree, twoStages } from "./testing/context.js";
import type { BuildOptions } from "./types.js";

const temp = tempDirs("wharf-build-");

const context = (files: Record<string, string>): string => busyboxContext(temp, files);

const BASE = BUSYBOX_BASE;

/** Roots a test built into: each test ends by validating them (every blob re-hashed, diff IDs...). */
const used = new Set<string>();
afterEach(async () => {
  const roots = [...used];
  used.clear();
  for (const r of roots) {
    const report = await validateRoot(r);
    expect(report.blobs).toBeGreaterThan(0);
  }
});

const run = async (root: string, ctx: string, o: Partial<BuildOptions> = {}) => {
  const r = await build({ root, context: ctx, progress: "quiet", env: {}, ...o });
  // An export (--output) stores no image: nothing of it to validate.
  if (!o.outputs) used.add(root);
  return r;
};

/** Every blob of the root, decompressed when gzip, as text (to look for bytes in any layer). */
function allBlobs(root: string): string {
  const dir = join(root, "store", "blobs", "sha256");
  return readdirSync(dir)
    .map((n) => {
      const b = readFileSync(join(dir, n));
      return (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b).toString("latin1");
    })
    .join("\n");
}

describe("build", () => {
  let root: string;
  beforeAll(() => {
    root = temp();
  });

  it("builds a multi-stage Dockerfile; a rebuild takes every step from the cache and gives the same ID", async () => {
    const ctx = context({
      Dockerfile: `${BASE}
FROM base AS builder
ARG GREETING=hello
WORKDIR /work
COPY app.txt ./
RUN echo "$GREETING $(cat app.txt)" > out.txt

FROM base AS unused
RUN exit 1

FROM base
ENV MODE=prod
COPY --from=builder /work/out.txt /srv/
LABEL version="1"
USER 1000:1000
EXPOSE 8080
VOLUME /data
WORKDIR /srv
ENTRYPOINT ["cat"]
CMD ["out.txt"]
`,
      "app.txt": "world",
    });
    const first = await run(root, ctx, { tags: ["app:1"], labels: { extra: "yes" } });
    expect(first.steps.cached).toBe(0);
    expect(first.steps.done).toBeGreaterThan(0);
    const c = first.config.config ?? {};
    expect(c.Env).toEqual(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "MODE=prod"]);
    expect(c.Entrypoint).toEqual(["cat"]);
    expect(c.Cmd).toEqual(["out.txt"]);
    expect(c.User).toBe("1000:1000");
    expect(c.WorkingDir).toBe("/srv");
    expect(c.ExposedPorts).toEqual({ "8080/tcp": {} });
    expect(c.Volumes).toEqual({ "/data": {} });
    expect(c.Labels).toEqual({ version: "1", extra: "yes" });
    const hist = first.config.history?.map((h) => h.created_by) ?? [];
    // The builder's steps are not in the final image's history, and the unused stage never ran.
    expect(hist.some((h) => h?.includes("GREETING") || h?.includes("exit 1"))).toBe(false);
    expect(hist).toContain("COPY /work/out.txt /srv/ # buildkit");
    expect(hist).toContain('ENTRYPOINT ["cat"]');
    expect(hist).toContain("ENV MODE=prod");
    const again = await run(root, ctx, { tags: ["app:1"], labels: { extra: "yes" } });
    expect(again.steps.done).toBe(0);
    expect(again.id).toBe(first.id);
    const out = temp();
    await run(root, ctx, { outputs: [{ type: "local", dest: out }] });
    expect(readFileSync(join(out, "srv", "out.txt"), "utf8")).toBe("hello world\n");
    const builder = await run(root, ctx, { target: "builder" });
    expect(builder.steps.done).toBe(0);
    expect(builder.config.history?.map((h) => h.created_by)).toContain(
      'RUN |1 GREETING=hello /bin/sh -c echo "$GREETING $(cat app.txt)" > out.txt # buildkit',
    );
    const report = await validateRoot(root);
    expect(report.images).toBeGreaterThan(0);
  });

  it("a FROM scratch stage's ARG and ENV before its first layer take that layer's time: a rebuild keeps the ID", async () => {
    const ctx = context({
      Dockerfile: "FROM scratch\nARG V=1\nENV A=$V\nCOPY f.txt /\nLABEL z=1\n",
      "f.txt": "x",
    });
    const first = await run(root, ctx, {});
    const times = first.config.history?.map((h) => h.created) ?? [];
    expect(times).toHaveLength(4);
    expect(new Set(times).size).toBe(1);
    expect(first.config.created).toBe(times[0]);
    // A later second: a time taken anew would change the config and its ID.
    await new Promise((r) => setTimeout(r, 1100));
    const again = await run(root, ctx, {});
    expect(again.steps.done).toBe(0);
    expect(again.id).toBe(first.id);
  });

  it("a change invalidates only the steps that depend on it; --no-cache runs everything", async () => {
    const ctx = context({
      Dockerfile: `${BASE}RUN echo one > /one
COPY a.txt /a.txt
RUN cat /a.txt > /copy
`,
      "a.txt": "v1",
    });
    const r1 = await run(root, ctx);
    writeFileSync(join(ctx, "a.txt"), "v2");
    const r2 = await run(root, ctx);
    // busybox COPY, install and `echo one` cached; COPY a.txt and the RUN after it not.
    expect(r2.steps).toEqual({ cached: 3, done: 2 });
    expect(r2.id).not.toBe(r1.id);
    const r3 = await run(root, ctx, { noCache: true });
    expect(r3.steps.cached).toBe(0);
    await validateRoot(root);
  });

  it("build args in effect are part of RUN's key", async () => {
    const ctx = context({ Dockerfile: `${BASE}ARG V=1\nRUN echo $V > /v\n` });
    await run(root, ctx);
    const b = await run(root, ctx, { buildArgs: { V: "2" } });
    expect(b.steps.done).toBe(1);
    const c = await run(root, ctx, { buildArgs: { V: "2" } });
    expect(c.steps.done).toBe(0);
  });

  it("keeps secrets out of every blob and cache record; cache mounts persist across builds", async () => {
    const secretFile = join(temp(), "token");
    writeFileSync(secretFile, "TOPSECRET-4f1d9");
    const ctx = context({
      Dockerfile: `${BASE}RUN --mount=type=secret,id=tok wc -c < /run/secrets/tok > /len
RUN --mount=type=secret,id=envtok,env=TOK echo "$TOK" | wc -c > /envlen
RUN --mount=type=cache,target=/var/cache/app echo run >> /var/cache/app/log && wc -l < /var/cache/app/log > /count
`,
    });
    const opts = {
      secrets: [
        { id: "tok", file: secretFile },
        { id: "envtok", env: "SECRET_ENV" },
      ],
      env: { SECRET_ENV: "ENVSECRET-77a2" },
    };
    const r = await run(root, ctx, opts);
    const blobs = allBlobs(root);
    expect(blobs).not.toContain("TOPSECRET-4f1d9");
    expect(blobs).not.toContain("ENVSECRET-77a2");
    const records = readdirSync(join(root, "build", "cache")).map((n) =>
      readFileSync(join(root, "build", "cache", n), "utf8"),
    );
    expect(records.join("\n")).not.toContain("TOPSECRET");
    const out = temp();
    await run(root, ctx, { ...opts, noCache: true, outputs: [{ type: "local", dest: out }] });
    expect(readFileSync(join(out, "len"), "utf8").trim()).toBe("15");
    expect(readFileSync(join(out, "envlen"), "utf8").trim()).toBe("15");
    // The cache dir saw both runs; the mount point itself is not in the image.
    expect(readFileSync(join(out, "count"), "utf8").trim()).toBe("2");
    expect(existsSync(join(out, "var"))).toBe(false);
    expect(r.id).toMatch(/^sha256:/);
  });

  it("applies .dockerignore to COPY and to bind mounts of the context", async () => {
    const ctx = context({
      Dockerfile: `${BASE}COPY . /ctx/
RUN --mount=type=bind,target=/mnt ls -A /mnt > /bound
`,
      ".dockerignore": "*.secret\n",
      "keep.txt": "k",
      "drop.secret": "d",
    });
    const out = temp();
    await run(root, ctx, { outputs: [{ type: "local", dest: out }] });
    const want = [".dockerignore", "Dockerfile", "busybox", "keep.txt"];
    expect(readdirSync(join(out, "ctx")).sort()).toEqual(want);
    expect(readFileSync(join(out, "bound"), "utf8").split("\n").filter(Boolean).sort()).toEqual(want);
  });

  it("gives one image ID on two roots with SOURCE_DATE_EPOCH", async () => {
    const ctx = context({
      Dockerfile: `${BASE}RUN mkdir -p /data && echo hi > /data/f\nCOPY Dockerfile /\nCMD ["sh"]\n`,
    });
    const env = { SOURCE_DATE_EPOCH: "1700000000" };
    const a = await run(temp(), ctx, { env });
    const b = await run(temp(), ctx, { env });
    expect(a.id).toBe(b.id);
    expect(a.config.created).toBe("2023-11-14T22:13:20Z");
    expect(a.config.history?.every((h) => h.created === "2023-11-14T22:13:20Z")).toBe(true);
  });

  it("reports a failing RUN with its command and output, as build-failed", async () => {
    const ctx = context({ Dockerfile: `${BASE}RUN echo about to fail && exit 3\n` });
    const err = await run(root, ctx).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "build-failed",
      message:
        'failed to solve: process "/bin/sh -c echo about to fail && exit 3" did not complete successfully: exit code: 3',
    });
    expect((err as { detail: { tail: string[] } }).detail.tail).toContain("about to fail");
  });

  it("reports a Dockerfile error before building anything", async () => {
    const ctx = context({ Dockerfile: `${BASE}RUNN nothing\n` });
    await expect(run(root, ctx)).rejects.toMatchObject({ code: "dockerfile-invalid" });
    const images = await openImages(root);
    try {
      const cfg = await readConfig(images.content, (await run(root, context({ Dockerfile: BASE }))).id);
      expect(cfg.config.rootfs.diff_ids).toHaveLength(2);
    } finally {
      await images.close();
    }
  });
});

describe("build concurrency", () => {
  it("builds independent stages at the same time", async () => {
    // Each stage waits for a file the other writes (in a shared cache mount): built one after the
    // other, the first would give up and fail.
    const wait = (me: string, other: string) =>
      `RUN --mount=type=cache,id=rendezvous,target=/sync touch /sync/${me} && i=0; while [ ! -f /sync/${other} ]; do i=$((i+1)); [ $i -gt 200 ] && exit 1; sleep 0.05; done; echo ok > /${me}`;
    const ctx = context({
      Dockerfile: twoStages((me) => wait(me, me === "a" ? "b" : "a")),
    });
    const out = temp();
    await run(temp(), ctx, { outputs: [{ type: "local", dest: out }] });
    expect(readFileSync(join(out, "a"), "utf8")).toBe("ok\n");
    expect(readFileSync(join(out, "b"), "utf8")).toBe("ok\n");
  });

  it("a sharing=locked cache mount lets one step in at a time", async () => {
    const step = (me: string) =>
      `RUN --mount=type=cache,id=serial,target=/c,sharing=locked echo ${me}-start >> /c/log && sleep 0.3 && echo ${me}-end >> /c/log && cp /c/log /${me}`;
    const ctx = context({
      Dockerfile: twoStages(step),
    });
    const out = temp();
    await run(temp(), ctx, { outputs: [{ type: "local", dest: out }] });
    const log = [readFileSync(join(out, "a"), "utf8"), readFileSync(join(out, "b"), "utf8")]
      .sort((x, y) => x.length - y.length)[1]
      ?.trim()
      .split("\n");
    // Never two starts in a row: the second step waited for the first one's end.
    expect(log).toHaveLength(4);
    expect(log?.[0]?.slice(0, 1)).toBe(log?.[1]?.slice(0, 1));
    expect(log?.[1]?.endsWith("-end")).toBe(true);
  });

  it("two builds at once on one root both succeed, and a third finds every step cached", async () => {
    const root = temp();
    const ctx = context({
      Dockerfile: `${BASE}RUN echo one > /one\nCOPY Dockerfile /df\nRUN cat /one /df > /both\n`,
    });
    const [a, b] = await Promise.all([run(root, ctx, { tags: ["x:1"] }), run(root, ctx, { tags: ["x:2"] })]);
    expect(a.id).toMatch(/^sha256:/);
    expect(b.id).toMatch(/^sha256:/);
    const c = await run(root, ctx);
    expect(c.steps.done).toBe(0);
    expect([a.id, b.id]).toContain(c.id);
    await validateRoot(root);
  });

  it("--platform sets the image's platform (FROM scratch, no RUN)", async () => {
    const ctx = context({ Dockerfile: "FROM scratch\nARG TARGETARCH\nCOPY busybox /bb-$TARGETARCH\n" });
    const r = await run(temp(), ctx, { platform: "linux/arm/v7" });
    expect([r.config.os, r.config.architecture, r.config.variant]).toEqual(["linux", "arm", "v7"]);
    expect(r.config.history?.at(-1)?.created_by).toBe("COPY busybox /bb-arm # buildkit");
  });
});

describe("RUN layers reused as unpacked snapshots", () => {
  it("adopts a RUN's upper dir as its layer: the same tree an unpack of the blob gives, nothing unpacked again", async () => {
    const root = temp();
    const ctx = context({
      Dockerfile: `${BASE}RUN mkdir -p /d/e && echo x > /d/e/f && rm /bin/true && ln -s f /d/e/l\nRUN cat /d/e/l > /copy\n`,
    });
    const r = await run(root, ctx);
    const images = await openImages(root);
    try {
      const { config } = await readConfig(images.content, r.id);
      const { chainIds, ensureLayers, snapshotLayout } = await import("../rootfs/index.js");
      const chain = chainIds(config.rootfs.diff_ids);
      const { manifest } = await readManifest(images.content, r.manifest.digest);
      const fresh = temp();
      const unpacked: string[] = [];
      await ensureLayers({
        layout: snapshotLayout(fresh),
        store: images.content,
        layers: manifest.layers,
        diffIds: config.rootfs.diff_ids,
        onUnpacked: (c) => unpacked.push(c),
      });
      expect(unpacked).toHaveLength(4);
      // The build's own snapshots: the RUN layers are there without having been unpacked.
      for (const c of chain.slice(2)) {
        const mine = snapshotLayout(join(root, "snapshots")).layerFs(c);
        expect(listTree(mine)).toBe(listTree(snapshotLayout(fresh).layerFs(c)));
      }
      // A tar keeps whole seconds: the build's tree has the RUN's own times, so it was never unpacked.
      const f = join(snapshotLayout(join(root, "snapshots")).layerFs(chain[2] as Digest), "d", "e", "f");
      expect(statSync(f, { bigint: true }).mtimeNs % 1_000_000_000n).not.toBe(0n);
    } finally {
      await images.close();
    }
  });
});

describe("build failures and leftovers", () => {
  it("reports the step that failed first, and cancels the other stages' steps", async () => {
    const ctx = context({
      Dockerfile: `${BASE}
FROM base AS slow
RUN sleep 0.5
RUN echo must-not-run > /x

FROM base AS broken
RUN echo breaking && exit 5

FROM base
COPY --from=slow /bin/sh /a
COPY --from=broken /bin/sh /b
`,
    });
    const root = temp();
    const err = await run(root, ctx).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/exit 5" did not complete successfully: exit code: 5/);
    expect((err as { detail: { tail: string[] } }).detail.tail).toContain("breaking");
    // The slow stage's sleep was killed and its next step never started.
    const records = readdirSync(join(root, "build", "cache")).map((n) =>
      readFileSync(join(root, "build", "cache", n), "utf8"),
    );
    expect(records.some((r) => r.includes("sleep 0.5"))).toBe(false);
    expect(records.some((r) => r.includes("must-not-run"))).toBe(false);
  });

  it("removes what a killed build left (overlays, temp dirs), and nothing of a live one", async () => {
    const root = temp();
    const dead = 2 ** 22 + 12345;
    const stale = join(root, "snapshots", "containers", `build-${dead}-abc`);
    const staleTmp = join(root, "tmp", `build-${dead}-def`);
    const live = join(root, "tmp", `build-${process.pid}-live`);
    for (const d of [join(stale, "upper"), staleTmp, live]) mkdirSync(d, { recursive: true });
    await run(root, context({ Dockerfile: BASE }));
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(staleTmp)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});

describe("COPY layers written as unpacked snapshots", () => {
  it("writes a COPY's snapshot from its entries: there without an unpack, the same tree an unpack gives", async () => {
    const root = temp();
    const ctx = context({
      Dockerfile: `${BASE}RUN mkdir -p /etc && chmod 0750 /etc\nCOPY --chown=7:8 conf/ /etc/app/\nCOPY conf/a.conf /single\n`,
      "conf/a.conf": "a",
      "conf/sub/b.conf": "b",
    });
    const r = await run(root, ctx);
    const images = await openImages(root);
    try {
      const { config } = await readConfig(images.content, r.id);
      const { manifest } = await readManifest(images.content, r.manifest.digest);
      const { chainIds, ensureLayers, snapshotLayout } = await import("../rootfs/index.js");
      const chain = chainIds(config.rootfs.diff_ids);
      const mine = snapshotLayout(join(root, "snapshots"));
      // No step after the last COPY mounted it: its snapshot is there because the COPY wrote it.
      expect(existsSync(join(mine.layer(chain[chain.length - 1] as Digest), "layer.json"))).toBe(true);
      const fresh = temp();
      await ensureLayers({
        layout: snapshotLayout(fresh),
        store: images.content,
        layers: manifest.layers,
        diffIds: config.rootfs.diff_ids,
      });
      for (const c of chain.slice(3))
        expect(listTree(mine.layerFs(c))).toBe(listTree(snapshotLayout(fresh).layerFs(c)));
      const files = (dir: string) =>
        execFileSync("find", [".", "-type", "f", "-printf", "%p %T@\\n"], { cwd: dir })
          .toString()
          .split("\n")
          .sort()
          .join("\n");
      for (const c of chain.slice(3))
        expect(files(mine.layerFs(c))).toBe(files(snapshotLayout(fresh).layerFs(c)));
    } finally {
      await images.close();
    }
  });
});

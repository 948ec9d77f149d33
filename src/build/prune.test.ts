import { copyFileSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hexOf } from "../digest/index.js";
import { tempDirs } from "../files/testing/temp.js";
import { validateRoot } from "../images/testing/validate.js";
import { chainIds } from "../rootfs/index.js";
import { build } from "./build.js";
import { openBuildCache } from "./cache.js";
import { pruneBuildCache } from "./prune.js";

const temp = tempDirs("wharf-build-prune-");

describe("builder prune", () => {
  it("removes the unpacked layers of the records it prunes; the image's stay", async () => {
    const ctx = temp();
    copyFileSync("/bin/busybox", join(ctx, "busybox"));
    writeFileSync(
      join(ctx, "Dockerfile"),
      `FROM scratch AS tools
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN echo made > /made

FROM scratch
COPY --from=tools /made /made
`,
    );
    const root = temp();
    const r = await build({ root, context: ctx, progress: "quiet", env: {}, tags: ["pruned:1"] });
    const layers = () =>
      readdirSync(join(root, "snapshots", "layers")).filter((n) => /^[0-9a-f]{64}$/.test(n));
    const own = chainIds(r.config.rootfs.diff_ids).map(hexOf);
    // tools' three layers, unpacked while building (its RUNs mounted them), and the image's one.
    expect(layers().length).toBeGreaterThanOrEqual(3);
    const kept = await pruneBuildCache({ root, until: new Date(0) });
    expect(kept.deleted).toEqual([]);
    expect(layers().length).toBeGreaterThanOrEqual(3);
    await pruneBuildCache({ root, all: true });
    expect(layers().filter((n) => !own.includes(n))).toEqual([]);
    await validateRoot(root);
    // The next build unpacks again what it needs.
    const again = await build({ root, context: ctx, progress: "quiet", env: {}, tags: ["pruned:1"] });
    expect(again.steps.cached).toBe(0);
    await validateRoot(root);
  });

  it("--keep-storage: the least recently used records go first, until the rest fits", async () => {
    const ctx = temp();
    copyFileSync("/bin/busybox", join(ctx, "busybox"));
    // Three RUN layers of about 1, 2 and 3 MiB (random bytes: gzip cannot shrink them).
    writeFileSync(
      join(ctx, "Dockerfile"),
      `FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox head -c 1048576 /dev/urandom > /one"]
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox head -c 2097152 /dev/urandom > /two"]
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox head -c 3145728 /dev/urandom > /three"]
`,
    );
    const root = temp();
    await build({ root, context: ctx, progress: "quiet", env: {}, tags: ["kept:1"] });
    // Last used a minute apart, the smallest layer longest ago.
    const order = openBuildCache(root)
      .list()
      .sort((a, b) => (a.record.layer?.size ?? 0) - (b.record.layer?.size ?? 0));
    expect(order.length).toBe(4);
    order.forEach((e, i) => {
      const t = new Date(Date.now() - (10 - i) * 60_000);
      utimesSync(e.file, t, t);
    });
    const sizes = order.map((e) => e.record.layer?.size ?? 0);
    const total = sizes.reduce((a, b) => a + b, 0);
    // Room for everything: nothing goes.
    expect((await pruneBuildCache({ root, keepBytes: total })).deleted).toEqual([]);
    // Room for the two newest only: the two oldest go.
    const keepBytes = (sizes[2] ?? 0) + (sizes[3] ?? 0);
    const r = await pruneBuildCache({ root, keepBytes });
    expect(r.deleted.map((d) => d.size).sort()).toEqual([sizes[0], sizes[1]].sort());
    const left = openBuildCache(root).list();
    expect(left.map((e) => e.record.layer?.size).sort()).toEqual([sizes[2], sizes[3]].sort());
    expect(left.reduce((n, e) => n + (e.record.layer?.size ?? 0), 0)).toBeLessThanOrEqual(keepBytes);
    // 0 bytes to keep: everything goes, as a prune without the flag.
    expect((await pruneBuildCache({ root, keepBytes: 0 })).deleted.length).toBe(2);
    expect(openBuildCache(root).list()).toEqual([]);
    await validateRoot(root);
  });
});

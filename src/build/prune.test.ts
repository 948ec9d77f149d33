import { copyFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hexOf } from "../digest/index.js";
import { tempDirs } from "../files/testing/temp.js";
import { validateRoot } from "../images/testing/validate.js";
import { chainIds } from "../rootfs/index.js";
import { build } from "./build.js";
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
});

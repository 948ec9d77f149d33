import { readdirSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDirs } from "../files/testing/temp.js";
import { validateRoot } from "../images/testing/validate.js";
import { build } from "./build.js";
import { BUSYBOX_BASE, busyboxContext } from "./testing/context.js";
import type { BuildOptions } from "./types.js";

const temp = tempDirs("wharf-run-limits-");
const PARENT = `wharf-test-parent-${process.pid}`;

const quiet = (root: string, context: string, o: Partial<BuildOptions>) =>
  build({ root, context, progress: "quiet", env: {}, ...o });

afterAll(() => {
  // The parent cgroup is the caller's, as Docker's: runc leaves it; the test removes its own.
  for (const h of readdirSync("/sys/fs/cgroup")) {
    try {
      rmdirSync(join("/sys/fs/cgroup", h, PARENT));
    } catch {}
  }
});

describe("build --shm-size, --ulimit, --cgroup-parent", () => {
  it("apply to every RUN and are part of its cache key", async () => {
    const root = temp();
    const ctx = busyboxContext(temp, {
      Dockerfile: `${BUSYBOX_BASE}FROM base\nRUN (df -k /dev/shm | tail -1; ulimit -Sn; ulimit -Hn; grep pids /proc/self/cgroup) > /seen\n`,
    });
    const limits = {
      shmSize: 8 << 20,
      ulimits: [{ name: "nofile", soft: 1234, hard: 2345 }],
      cgroupParent: PARENT,
    };
    const out = temp();
    await quiet(root, ctx, { ...limits, outputs: [{ type: "local", dest: out }] });
    const [shm, soft, hard, cgroup] = readFileSync(join(out, "seen"), "utf8").trim().split("\n");
    expect(shm?.split(/\s+/)[1]).toBe("8192");
    expect([soft, hard]).toEqual(["1234", "2345"]);
    expect(cgroup).toMatch(new RegExp(`:pids:/${PARENT}/build-[0-9a-f]{32}$`));
    expect((await quiet(root, ctx, { ...limits, tags: ["l:1"] })).steps.done).toBe(0);
    const plain = temp();
    const other = await quiet(root, ctx, { outputs: [{ type: "local", dest: plain }] });
    // Both RUNs (base's busybox --install and this one) run again without the limits; the COPY not.
    expect(other.steps).toEqual({ done: 2, cached: 1 });
    const [shm0, soft0] = readFileSync(join(plain, "seen"), "utf8").split("\n");
    expect(shm0?.split(/\s+/)[1]).toBe("65536");
    expect(soft0).not.toBe("1234");
    await validateRoot(root);
  });
});

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { controllerAvailable } from "./cgroups.js";

describe("controllerAvailable", () => {
  it("finds v1 controllers by what their root cgroup holds (the pids root has no pids.max)", async () => {
    const base = await mkdtemp(join(tmpdir(), "wharf-cgroup-"));
    try {
      await mkdir(join(base, "pids"));
      await writeFile(join(base, "pids", "cgroup.procs"), "");
      await mkdir(join(base, "memory"));
      await writeFile(join(base, "memory", "memory.limit_in_bytes"), "");
      expect(controllerAvailable("pids", base)).toBe(true);
      expect(controllerAvailable("memory", base)).toBe(true);
      expect(controllerAvailable("cpu", base)).toBe(false);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

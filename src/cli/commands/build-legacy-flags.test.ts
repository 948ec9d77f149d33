import { describe, expect, it } from "vitest";
import { parseFlags } from "../flags.js";
import { BUILD_LEGACY_FLAGS, legacyBuildOptions } from "./build-legacy-flags.js";

function read(...argv: string[]) {
  const warnings: string[] = [];
  const options = legacyBuildOptions(parseFlags(argv, BUILD_LEGACY_FLAGS), (l) => warnings.push(l));
  return { options, warnings };
}

describe("build's legacy-builder flags", () => {
  it("take --shm-size, --ulimit and --cgroup-parent for RUN", () => {
    expect(read()).toEqual({ options: {}, warnings: [] });
    expect(read("--shm-size", "128m", "--ulimit", "nofile=10:20", "--cgroup-parent", "p/q")).toEqual({
      options: { shmSize: 128 << 20, ulimits: [{ name: "nofile", soft: 10, hard: 20 }], cgroupParent: "p/q" },
      warnings: [],
    });
    expect(() => read("--shm-size", "lots")).toThrow(`invalid argument "lots" for "--shm-size" flag`);
    expect(() => read("--ulimit", "nofile=20:10")).toThrow("soft limit must be less than or equal");
  });

  it("accept --rm, --force-rm and --compress silently, as buildx does", () => {
    expect(read("--rm", "--force-rm", "--compress", "--rm=false")).toEqual({ options: {}, warnings: [] });
  });

  it("warn, in buildx's words, for --squash, --isolation, --security-opt; say the limits are ignored", () => {
    const r = read(
      "--squash",
      "--isolation",
      "default",
      "--security-opt",
      "seccomp=unconfined",
      "-m",
      "1g",
      "-c",
      "2",
    );
    expect(r.options).toEqual({});
    expect(r.warnings).toEqual([
      "WARNING: experimental flag squash is removed with BuildKit. You should squash inside build using a multi-stage Dockerfile for efficiency.",
      "WARNING: isolation flag is deprecated with BuildKit.",
      'WARNING: security-opt flag is deprecated. "RUN --security=insecure" should be used with "--allow security.insecure".',
      "WARNING: --memory, --cpu-shares ignored: RUN instructions are not limited by the legacy builder's resource flags with BuildKit",
    ]);
    expect(() => read("--memory", "1q")).toThrow(`invalid argument "1q" for "--memory" flag`);
    expect(() => read("--cpu-quota", "x")).toThrow(`invalid argument "x" for "--cpu-quota" flag`);
  });
});

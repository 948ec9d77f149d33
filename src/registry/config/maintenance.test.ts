import { describe, expect, it } from "vitest";
import { isWharfError } from "../../errors/index.js";
import { configFrom, parseConfigText } from "./load.js";

const from = (yaml: string, env: NodeJS.ProcessEnv = {}) =>
  configFrom(parseConfigText(`version: 0.1\n${yaml}`, "test.yml"), {
    env,
    flags: {},
    wharfRoot: "/srv/wharf",
  });

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (isWharfError(e, "config-invalid")) return e.message;
    throw e;
  }
  throw new Error("expected a config-invalid error");
};

describe("storage.maintenance and wharf.gc", () => {
  it("defaults: uploads purged after a week, daily; writable; no collection on a schedule", () => {
    const c = from("");
    expect(c.purgeUploads).toEqual({ maxAgeMs: 168 * 3600e3, intervalMs: 24 * 3600e3, dryRun: false });
    expect(c.readOnly).toBe(false);
    expect(c.gc).toBeUndefined();
  });

  it("reads uploadpurging and readonly as Distribution does, from the file or REGISTRY_* variables", () => {
    const c = from(`storage:
  maintenance:
    uploadpurging:
      enabled: true
      age: 2h
      interval: 30m
      dryrun: true
    readonly:
      enabled: true
`);
    expect(c.purgeUploads).toEqual({ maxAgeMs: 2 * 3600e3, intervalMs: 30 * 60e3, dryRun: true });
    expect(c.readOnly).toBe(true);
    expect(c.warnings).toEqual([]);
    expect(from("storage:\n  maintenance:\n    uploadpurging:\n      enabled: false\n").purgeUploads).toBe(
      false,
    );
    const env = from("", {
      REGISTRY_STORAGE_MAINTENANCE_READONLY_ENABLED: "true",
      REGISTRY_STORAGE_MAINTENANCE_UPLOADPURGING_AGE: "1h",
    });
    expect(env.readOnly).toBe(true);
    expect(env.purgeUploads).toMatchObject({ maxAgeMs: 3600e3 });
  });

  it("reads wharf.gc", () => {
    expect(from("wharf:\n  gc:\n    interval: 1h\n    grace: 30m\n    deleteuntagged: true\n").gc).toEqual({
      intervalMs: 3600e3,
      graceMs: 30 * 60e3,
      deleteUntagged: true,
    });
    expect(from("wharf:\n  gc:\n    grace: 0s\n").gc).toEqual({ graceMs: 0, deleteUntagged: false });
    expect(from("", { REGISTRY_WHARF_GC_INTERVAL: "10m" }).gc).toEqual({
      intervalMs: 600e3,
      deleteUntagged: false,
    });
  });

  it("names the key of a bad duration", () => {
    expect(message(() => from("storage:\n  maintenance:\n    uploadpurging:\n      age: soon\n"))).toMatch(
      /storage\.maintenance\.uploadpurging\.age/,
    );
    expect(message(() => from("wharf:\n  gc:\n    interval: 0s\n"))).toMatch(
      /wharf\.gc\.interval: expected a positive/,
    );
    expect(message(() => from("wharf:\n  gc:\n    gc: 1\n"))).toMatch(/wharf\.gc\.gc: unknown setting/);
  });
});

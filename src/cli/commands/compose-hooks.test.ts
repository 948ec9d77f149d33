import { describe, expect, it } from "vitest";
import { WharfError } from "../../errors/index.js";
import { abortStatus, oneOffStatus } from "./compose-hooks.js";

describe("abortStatus (up --abort-on-container-exit)", () => {
  it("the container's exit code when it is not 0; else 1 when a pre_stop hook failed, else 0", () => {
    expect(abortStatus(3, false)).toBe(3);
    expect(abortStatus(3, true)).toBe(3);
    expect(abortStatus(0, true)).toBe(1);
    expect(abortStatus(0, false)).toBe(0);
  });
});

describe("oneOffStatus (run's post_start hooks)", () => {
  const failed = new WharfError("conflict", "web hook exited with status 3");
  it("a non-zero exit code is the status whatever the hooks did", () => {
    expect(oneOffStatus(7, failed)).toBe(7);
    expect(oneOffStatus(7, undefined)).toBe(7);
  });
  it("with 0, a failed hook is the error (Compose's words, status 1); else 0", () => {
    expect(() => oneOffStatus(0, failed)).toThrow("web hook exited with status 3");
    expect(failed.exitStatus).toBe(1);
    expect(oneOffStatus(0, undefined)).toBe(0);
  });
});

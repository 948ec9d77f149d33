import { describe, expect, it, vi } from "vitest";
import { ERROR_CODES, errnoCode, isWharfError, WharfError } from "./index.js";

describe("WharfError", () => {
  it("maps its code through the table", () => {
    const e = new WharfError("manifest-unknown", "manifest unknown", { hint: "check the tag" });
    expect(e.httpStatus).toBe(404);
    expect(e.ociCode).toBe("MANIFEST_UNKNOWN");
    expect(e.exitStatus).toBe(1);
    expect(e.hint).toBe("check the tag");
    expect(isWharfError(e, "manifest-unknown")).toBe(true);
    expect(isWharfError(e, "blob-unknown")).toBe(false);
    expect(isWharfError(new Error("x"))).toBe(false);
  });

  it("gives Docker's exit statuses for container failures", () => {
    expect(new WharfError("runtime", "x").exitStatus).toBe(125);
    expect(new WharfError("command-cannot-invoke", "x").exitStatus).toBe(126);
    expect(new WharfError("command-not-found", "x").exitStatus).toBe(127);
  });

  it("never maps a client error to a 5xx", () => {
    for (const [code, row] of Object.entries(ERROR_CODES)) {
      if ("oci" in row) expect(row.http, code).toBeLessThan(500);
    }
  });

  it("reads errno codes", () => {
    expect(errnoCode(Object.assign(new Error("x"), { code: "ENOENT" }))).toBe("ENOENT");
    expect(errnoCode("nope")).toBeUndefined();
  });
});

describe("WharfError across module copies", () => {
  it("is recognised by instanceof and isWharfError when another copy of the class made it", async () => {
    vi.resetModules();
    const copy = await import("./wharf-error.js");
    expect(copy.WharfError).not.toBe(WharfError);
    const e = new copy.WharfError("not-found", "gone", { hint: "look elsewhere" });
    expect(e instanceof WharfError).toBe(true);
    expect(isWharfError(e, "not-found")).toBe(true);
    expect(new Error("plain") instanceof WharfError).toBe(false);
    expect(JSON.stringify(Object.keys(e))).toBe(
      JSON.stringify(Object.keys(new WharfError("not-found", "x"))),
    );
  });
});

import { describe, expect, it } from "vitest";
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

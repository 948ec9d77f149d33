import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { validateOutputPath } from "./stream-out.js";

const dir = mkdtempSync(join(tmpdir(), "wharf-output-path-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("validateOutputPath", () => {
  // The messages the docker CLI 28.2 installed here prints for `save -o` and `export -o`.
  it("refuses a missing directory and a directory, in Docker's words", () => {
    expect(() => validateOutputPath("/nonexistent/dir/x.tar", "failed to save image")).toThrow(
      "failed to save image: invalid output path: stat /nonexistent/dir: no such file or directory",
    );
    expect(() => validateOutputPath("./x/../nodir/x.tar", "failed to save image")).toThrow(
      "failed to save image: invalid output path: stat nodir: no such file or directory",
    );
    expect(() => validateOutputPath(dir, "failed to export container")).toThrow(
      "failed to export container: cannot write to a directory",
    );
  });

  it("accepts a new file in an existing directory, and a bare name", () => {
    expect(() => validateOutputPath(join(dir, "new.tar"), "failed to save image")).not.toThrow();
    expect(() => validateOutputPath("x.tar", "failed to save image")).not.toThrow();
  });
});

import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimCidFile } from "./cidfile.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "wharf-cidfile-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("--cidfile", () => {
  it("gets the ID, and is removed again when no container was made", () => {
    const path = join(dir, "cid");
    const cid = claimCidFile(path);
    cid.write("abc123");
    cid.close();
    expect(readFileSync(path, "utf8")).toBe("abc123");
    const unused = join(dir, "unused");
    const other = claimCidFile(unused);
    expect(existsSync(unused)).toBe(true);
    other.close();
    expect(existsSync(unused)).toBe(false);
  });

  it("refuses a file that exists, in Docker's words, and leaves it as it was", async () => {
    const path = join(dir, "taken");
    await writeFile(path, "old");
    expect(() => claimCidFile(path)).toThrow(
      `Container ID file found, make sure the other container isn't running or delete ${path}`,
    );
    expect(readFileSync(path, "utf8")).toBe("old");
    expect(() => claimCidFile(join(dir, "no", "such", "dir"))).toThrow(
      /failed to create the container ID file/,
    );
  });
});

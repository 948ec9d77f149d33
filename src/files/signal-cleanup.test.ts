import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeOnSignal } from "./signal-cleanup.js";

const dir = mkdtempSync(join(tmpdir(), "wharf-signal-cleanup-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("removeOnSignal", () => {
  it("removes the pending temp files on SIGINT and lets go of the signal", async () => {
    const a = join(dir, ".a.wharf-1");
    const b = join(dir, ".b.wharf-2");
    writeFileSync(a, "partial");
    writeFileSync(b, "partial");
    const before = process.listenerCount("SIGINT");
    // Another listener (as a verb's own): the signal is then not raised again, which would end vitest.
    const seen: string[] = [];
    const other = () => seen.push("other");
    process.on("SIGINT", other);
    const forgetA = removeOnSignal(a);
    removeOnSignal(b);
    forgetA();
    writeFileSync(join(dir, "kept"), "done");
    removeOnSignal(join(dir, "kept"))();
    process.kill(process.pid, "SIGINT");
    await new Promise((r) => setTimeout(r, 50));
    process.off("SIGINT", other);
    expect(existsSync(a)).toBe(true);
    expect(existsSync(b)).toBe(false);
    expect(existsSync(join(dir, "kept"))).toBe(true);
    expect(seen).toEqual(["other"]);
    expect(process.listenerCount("SIGINT")).toBe(before);
  });
});

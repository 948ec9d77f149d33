import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../files/testing/temp.js";
import { openContext } from "./context.js";

const temp = tempDirs("wharf-context-");

describe("openContext", () => {
  it("a lone Dockerfile on stdin is read once (its first bytes not repeated)", async () => {
    const text = 'FROM scratch\nCMD ["x"]\n';
    const ctx = await openContext({ root: temp(), context: "-", stdin: Readable.from([Buffer.from(text)]) });
    try {
      expect(ctx.dockerfile.text).toBe(text);
      expect(ctx.dir).toBeUndefined();
    } finally {
      await ctx.close();
    }
  });
});

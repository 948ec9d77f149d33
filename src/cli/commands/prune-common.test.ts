import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Context } from "../context.js";
import { parseFlags } from "../flags.js";
import { allFlag, confirmed, FORCE_FLAG, printDeleted } from "./prune-common.js";

function capture(answer: string): { ctx: Context; out: string[]; asked: string[] } {
  const out: string[] = [];
  const asked: string[] = [];
  const ctx = {
    stdin: Readable.from([answer]),
    stdout: { write: (s: string) => asked.push(s) },
    out: (l = "") => out.push(l),
    err: () => undefined,
  } as unknown as Context;
  return { ctx, out, asked };
}

describe("prune verbs' shared parts", () => {
  const specs = [allFlag("Remove all"), FORCE_FLAG];

  it("asks Docker's question after the warning: y or yes (any case) goes on, anything else stops", async () => {
    for (const [answer, go] of [
      ["y\n", true],
      ["YES\n", true],
      [" yes \n", true],
      ["n\n", false],
      ["\n", false],
      ["yep\n", false],
    ] as const) {
      const { ctx, out, asked } = capture(answer);
      expect(await confirmed(ctx, parseFlags(["-a"], specs), "WARNING! This will remove x.")).toBe(go);
      expect(out).toEqual(["WARNING! This will remove x."]);
      expect(asked).toEqual(["Are you sure you want to continue? [y/N] "]);
    }
  });

  it("with -f asks nothing", async () => {
    const { ctx, out, asked } = capture("n\n");
    expect(await confirmed(ctx, parseFlags(["-f"], specs), "WARNING!")).toBe(true);
    expect(out).toEqual([]);
    expect(asked).toEqual([]);
  });

  it("lists what went under its heading with a blank line after, and nothing when nothing went", () => {
    const { ctx, out } = capture("");
    printDeleted(ctx, "Deleted Networks", []);
    expect(out).toEqual([]);
    printDeleted(ctx, "Deleted Networks", ["a", "b"]);
    expect(out).toEqual(["Deleted Networks:", "a", "b", ""]);
  });
});

import { describe, expect, it } from "vitest";
import { WharfError } from "../../errors/index.js";
import type { Context } from "../context.js";
import { parseFlags } from "../flags.js";
import { containerVerb, STOP_FLAGS, stopOptions } from "./container-common.js";

function capture(): { ctx: Context; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const ctx = {
    root: "/nonexistent",
    debug: false,
    env: {},
    out: (l = "") => out.push(l),
    err: (l = "") => err.push(l),
  } as unknown as Context;
  return { ctx, out, err };
}

describe("containerVerb", () => {
  it("acts on each name in turn, prints each that worked, reports the others and returns 1", async () => {
    const seen: string[] = [];
    const verb = containerVerb({
      verb: "poke",
      description: "Poke one or more containers",
      act: async (rt, name) => {
        seen.push(`${rt.root}:${name}`);
        if (name === "b") throw new WharfError("not-found", "No such container: b", { hint: "look" });
      },
    });
    expect(verb.path).toEqual(["poke"]);
    expect(verb.aliases).toEqual([["container", "poke"]]);
    expect(verb.usage).toBe("CONTAINER [CONTAINER...]");
    expect(verb.minArgs).toBe(1);
    const { ctx, out, err } = capture();
    expect(await verb.run(ctx, parseFlags(["a", "b", "c"], verb.flags, true))).toBe(1);
    expect(seen).toEqual(["/nonexistent:a", "/nonexistent:b", "/nonexistent:c"]);
    expect(out).toEqual(["a", "c"]);
    expect(err.join("\n")).toContain("No such container: b");
  });

  it("with flags: [OPTIONS] in the usage, and the act reads them (stop's -t/--timeout and -s)", async () => {
    const got: unknown[] = [];
    const verb = containerVerb({
      verb: "halt",
      description: "Halt",
      flags: STOP_FLAGS,
      act: async (_rt, _name, f) => {
        got.push(stopOptions(f));
      },
    });
    expect(verb.usage).toBe("[OPTIONS] CONTAINER [CONTAINER...]");
    const { ctx, out } = capture();
    expect(await verb.run(ctx, parseFlags(["-t", "3", "-s", "USR1", "x"], verb.flags, true))).toBe(0);
    expect(await verb.run(ctx, parseFlags(["y"], verb.flags, true))).toBe(0);
    // Docker 28's --timeout, and its deprecated --time.
    expect(await verb.run(ctx, parseFlags(["--timeout", "4", "z"], verb.flags, true))).toBe(0);
    expect(await verb.run(ctx, parseFlags(["--time", "5", "z"], verb.flags, true))).toBe(0);
    expect(got).toEqual([{ timeout: 3, signal: "USR1" }, {}, { timeout: 4 }, { timeout: 5 }]);
    expect(out).toEqual(["x", "y", "z", "z"]);
  });
});

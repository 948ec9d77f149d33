import { describe, expect, it } from "vitest";
import { interruptible, isInterrupted } from "./interrupt.js";

describe("interruptible", () => {
  it("aborts the work's signal on SIGINT and says so once the work fails; listeners go", async () => {
    const before = process.listenerCount("SIGINT");
    const r = await interruptible(
      (signal) =>
        new Promise((_, reject) => {
          signal.addEventListener("abort", () => reject(new Error("stopped")));
          setTimeout(() => process.kill(process.pid, "SIGINT"), 10);
        }),
    );
    expect(isInterrupted(r)).toBe(true);
    expect(r).toEqual({ interrupted: "SIGINT", status: 130 });
    expect(process.listenerCount("SIGINT")).toBe(before);
  });

  it("gives the work's value, and its error when no signal came", async () => {
    expect(await interruptible(async () => 7)).toBe(7);
    await expect(interruptible(async () => Promise.reject(new Error("own failure")))).rejects.toThrow(
      "own failure",
    );
  });
});

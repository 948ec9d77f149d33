import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { CANCELED_STATUS, ComposeCanceled, cancelable, orCanceled } from "./compose-cancel.js";

describe("compose: a build canceled by ^C", () => {
  it("the first SIGINT aborts the work's signal; its end is ComposeCanceled; the handlers are removed", async () => {
    const source = new EventEmitter();
    let aborted = false;
    const run = cancelable(
      (signal) =>
        new Promise<string>((_, reject) => {
          signal.addEventListener("abort", () => {
            aborted = true;
            // The build stops where it is and fails (as build() does when its signal aborts).
            setTimeout(() => reject(new Error("context canceled")), 5);
          });
        }),
      source,
    );
    expect(source.listenerCount("SIGINT")).toBe(1);
    expect(source.listenerCount("SIGTERM")).toBe(1);
    source.emit("SIGINT");
    // A second ^C while the cancel cleans up: neither an exit nor a second outcome.
    source.emit("SIGINT");
    await expect(run).rejects.toBeInstanceOf(ComposeCanceled);
    expect(aborted).toBe(true);
    expect(source.listenerCount("SIGINT")).toBe(0);
    expect(source.listenerCount("SIGTERM")).toBe(0);
  });

  it("SIGTERM as SIGINT; a build that ends anyway after the signal is canceled too", async () => {
    const source = new EventEmitter();
    const run = cancelable(async () => {
      source.emit("SIGTERM");
      return "built";
    }, source);
    await expect(run).rejects.toBeInstanceOf(ComposeCanceled);
  });

  it("without a signal: the work's result, its own errors as they are", async () => {
    const source = new EventEmitter();
    expect(await cancelable(async () => 7, source)).toBe(7);
    await expect(
      cancelable(async () => {
        throw new Error("RUN failed");
      }, source),
    ).rejects.toThrow("RUN failed");
    expect(source.listenerCount("SIGINT")).toBe(0);
  });

  it("orCanceled: Compose's `canceled` and 130; other errors go on", async () => {
    const lines: string[] = [];
    const ctx = { err: (l = "") => lines.push(l) };
    expect(
      await orCanceled(ctx, async () => {
        throw new ComposeCanceled();
      }),
    ).toBe(CANCELED_STATUS);
    expect(CANCELED_STATUS).toBe(130);
    expect(lines).toEqual(["canceled"]);
    expect(await orCanceled(ctx, async () => 3)).toBe(3);
    await expect(
      orCanceled(ctx, async () => {
        throw new Error("no such service: x");
      }),
    ).rejects.toThrow("no such service: x");
  });
});

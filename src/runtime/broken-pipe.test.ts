import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { isBroken, onBrokenPipe } from "./broken-pipe.js";

const failure = (code: string) => Object.assign(new Error(`write ${code}`), { code });

describe("onBrokenPipe", () => {
  it("closes once on EPIPE, marks the stream broken and takes its later errors", () => {
    const out = new PassThrough();
    let closed = 0;
    onBrokenPipe(out, () => closed++);
    onBrokenPipe(out, () => closed++);
    expect(isBroken(out)).toBe(false);
    out.emit("error", failure("EPIPE"));
    expect(isBroken(out)).toBe(true);
    expect(closed).toBe(1);
    out.emit("error", failure("ERR_STREAM_DESTROYED"));
    expect(closed).toBe(1);
  });

  it("lets any other error of a working stream through", () => {
    const out = new PassThrough();
    onBrokenPipe(out, () => undefined);
    expect(() => out.emit("error", failure("EIO"))).toThrow("write EIO");
    expect(isBroken(out)).toBe(false);
  });
});

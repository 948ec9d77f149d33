import { describe, expect, it } from "vitest";
import { isoTime } from "./iso-time.js";

describe("isoTime", () => {
  it("is toISOString's text for any millisecond of years 0-9999", () => {
    const fixed = [
      0,
      -1,
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(1900, 1, 28, 12),
      Date.UTC(2100, 2, 1),
      Date.UTC(2400, 1, 29),
      Date.UTC(1969, 11, 31, 23, 59, 59, 1),
      Date.UTC(0, 0, 1) - 0,
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.now(),
    ];
    for (const ms of fixed) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    let x = 12345;
    const lo = Date.UTC(1, 0, 1);
    const span = Date.UTC(9999, 11, 31) - lo;
    for (let i = 0; i < 20_000; i++) {
      x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
      const ms = lo + Math.floor((x / 2 ** 32) * span) + (i % 1000);
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it("leaves other years to Date", () => {
    const ms = Date.UTC(10_000, 0, 1);
    expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    expect(isoTime(Date.UTC(-1, 0, 1))).toBe(new Date(Date.UTC(-1, 0, 1)).toISOString());
  });
});

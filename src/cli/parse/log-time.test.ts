import { describe, expect, it } from "vitest";
import { entryTimeNs, fixedNanoTime, parseLogTime } from "./log-time.js";

const NOW = Date.parse("2025-06-01T12:00:00Z");
const ns = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

describe("log times", () => {
  it("reads an entry's time to the nanosecond", () => {
    expect(entryTimeNs("2025-06-01T11:59:59.123456789Z")).toBe(ns("2025-06-01T11:59:59Z") + 123_456_789n);
    expect(entryTimeNs("2025-06-01T11:59:59.5Z")).toBe(ns("2025-06-01T11:59:59Z") + 500_000_000n);
    expect(entryTimeNs("2025-06-01T11:59:59Z")).toBe(ns("2025-06-01T11:59:59Z"));
    expect(entryTimeNs("yesterday")).toBeUndefined();
  });

  it("reads --since/--until as Docker's GetTimestamp, keeping nanoseconds", () => {
    expect(parseLogTime("10m", NOW)).toBe(ns("2025-06-01T11:50:00Z"));
    expect(parseLogTime("2025-06-01T11:59:59.123456789Z", NOW)).toBe(
      ns("2025-06-01T11:59:59Z") + 123_456_789n,
    );
    expect(parseLogTime("2025-06-01T13:59:59.000000001+02:00", NOW)).toBe(ns("2025-06-01T11:59:59Z") + 1n);
    expect(parseLogTime("1748779199.123456789", NOW)).toBe(ns("2025-06-01T11:59:59Z") + 123_456_789n);
    expect(parseLogTime("1748779199", NOW)).toBe(ns("2025-06-01T11:59:59Z"));
    expect(() => parseLogTime("soon", NOW)).toThrow('failed to parse value as time or duration: "soon"');
  });

  it("prints nine digits of fraction, as Docker's RFC3339NanoFixed", () => {
    expect(fixedNanoTime("2025-06-01T11:59:59.12Z")).toBe("2025-06-01T11:59:59.120000000Z");
    expect(fixedNanoTime("2025-06-01T11:59:59Z")).toBe("2025-06-01T11:59:59.000000000Z");
    expect(fixedNanoTime("2025-06-01T11:59:59.123456789Z")).toBe("2025-06-01T11:59:59.123456789Z");
  });
});

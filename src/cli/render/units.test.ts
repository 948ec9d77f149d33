import { describe, expect, it } from "vitest";
import {
  ago,
  goDuration,
  goTimeString,
  humanDuration,
  humanSize,
  imageSize,
  rfc3339,
  upFor,
} from "./units.js";

describe("sizes (go-units)", () => {
  it("imageSize: decimal units, 3 significant digits", () => {
    expect(imageSize(0)).toBe("0B");
    expect(imageSize(999)).toBe("999B");
    expect(imageSize(1000)).toBe("1kB");
    expect(imageSize(4870)).toBe("4.87kB");
    expect(imageSize(1_234_567)).toBe("1.23MB");
    expect(imageSize(187_000_000)).toBe("187MB");
    expect(imageSize(1125)).toBe("1.12kB");
    expect(imageSize(999_500)).toBe("1e+03kB");
  });
  it("humanSize: 4 significant digits", () => {
    expect(humanSize(1_234_567)).toBe("1.235MB");
    expect(humanSize(31_360_000)).toBe("31.36MB");
    expect(humanSize(5)).toBe("5B");
  });
});

describe("durations (go-units HumanDuration)", () => {
  const s = 1000;
  const h = 3600 * s;
  it.each([
    [0.5 * s, "Less than a second"],
    [1 * s, "1 second"],
    [59 * s, "59 seconds"],
    [60 * s, "About a minute"],
    [119 * s, "About a minute"],
    [59 * 60 * s, "59 minutes"],
    [60 * 60 * s, "About an hour"],
    [89 * 60 * s, "About an hour"],
    [90 * 60 * s, "2 hours"],
    [47 * h, "47 hours"],
    [48 * h, "2 days"],
    [13 * 24 * h, "13 days"],
    [14 * 24 * h, "2 weeks"],
    [59 * 24 * h, "8 weeks"],
    [60 * 24 * h, "2 months"],
    [729 * 24 * h, "24 months"],
    [730 * 24 * h, "2 years"],
  ])("%d ms is %s", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
  it("ago and up", () => {
    expect(ago(1_000_000, 1_000_000 + 2 * h)).toBe("2 hours ago");
    expect(upFor(3 * 60 * s)).toBe("Up 3 minutes");
    expect(goDuration(3723)).toBe("1h2m3s");
    expect(goDuration(240)).toBe("4m0s");
    expect(goDuration(0)).toBe("0s");
  });
});

describe("times", () => {
  it("Go's time.String and RFC 3339 in UTC", () => {
    const t = Date.UTC(2023, 2, 16, 13, 2, 8);
    const tz = process.env.TZ;
    process.env.TZ = "UTC";
    try {
      expect(goTimeString(t)).toBe("2023-03-16 13:02:08 +0000 UTC");
      expect(rfc3339(t)).toBe("2023-03-16T13:02:08Z");
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });
});

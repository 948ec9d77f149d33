import { describe, expect, it } from "vitest";
import { goDuration, parsePruneFilters, parseTimestamp, pruneMatch } from "./prune-filters.js";

const NOW = Date.parse("2025-06-01T12:00:00Z");

describe("until", () => {
  it("reads Go durations as Docker does", () => {
    expect(goDuration("10m")).toBe(600_000);
    expect(goDuration("1h30m")).toBe(5_400_000);
    expect(goDuration("1.5h")).toBe(5_400_000);
    expect(goDuration("300ms")).toBe(300);
    expect(goDuration("-2s")).toBe(-2000);
    expect(goDuration("1500µs")).toBe(1.5);
    expect(goDuration("7d")).toBeUndefined();
    expect(goDuration("h")).toBeUndefined();
    expect(parseTimestamp("24h", NOW)).toBe(NOW - 86_400_000);
  });

  it("reads RFC 3339 dates and times (local without a zone) and Unix seconds", () => {
    expect(parseTimestamp("2024-01-02T03:04:05Z", NOW)).toBe(Date.parse("2024-01-02T03:04:05Z"));
    expect(parseTimestamp("2024-01-02T03:04:05.25+01:00", NOW)).toBe(Date.parse("2024-01-02T02:04:05.250Z"));
    expect(parseTimestamp("2024-01-02T03:04Z", NOW)).toBe(Date.parse("2024-01-02T03:04:00Z"));
    expect(parseTimestamp("2024-01-02", NOW)).toBe(new Date(2024, 0, 2).getTime());
    expect(parseTimestamp("2024-01-02T15", NOW)).toBe(new Date(2024, 0, 2, 15).getTime());
    expect(parseTimestamp("1700000000", NOW)).toBe(1_700_000_000_000);
    expect(parseTimestamp("1700000000.5", NOW)).toBe(1_700_000_000_500);
    expect(() => parseTimestamp("7d", NOW)).toThrow('failed to parse value as time or duration: "7d"');
    expect(() => parseTimestamp("2024-13", NOW)).toThrow(/failed to parse/);
  });
});

describe("prune filters", () => {
  it("parses until, label and label!, and refuses other keys", () => {
    expect(parsePruneFilters(["until=1h", "label=a", "label!=b=c"], NOW)).toEqual({
      until: NOW - 3_600_000,
      label: ["a"],
      labelNot: ["b=c"],
    });
    expect(() => parsePruneFilters(["colour=red"])).toThrow("invalid filter 'colour'");
    expect(() => parsePruneFilters(["until"])).toThrow(
      `invalid argument "until" for "--filter" flag: bad format of filter (expected name=value)`,
    );
  });

  it("prunes what was made at or before until, has every label and not every label!", () => {
    const f = parsePruneFilters(["until=2024-01-01T00:00:00Z"], NOW);
    const at = Date.parse("2024-01-01T00:00:00Z");
    expect(pruneMatch(f, { created: at, labels: {} })).toBe(true);
    expect(pruneMatch(f, { created: at + 1, labels: {} })).toBe(false);
    expect(pruneMatch(f, { created: undefined, labels: {} })).toBe(false);
    const l = parsePruneFilters(["label=team", "label!=env=prod"], NOW);
    expect(pruneMatch(l, { labels: { team: "a" } })).toBe(true);
    expect(pruneMatch(l, { labels: { team: "a", env: "prod" } })).toBe(false);
    expect(pruneMatch(l, { labels: { team: "a", env: "dev" } })).toBe(true);
    expect(pruneMatch(l, { labels: {} })).toBe(false);
    expect(pruneMatch(parsePruneFilters([], NOW), { labels: {} })).toBe(true);
  });
});

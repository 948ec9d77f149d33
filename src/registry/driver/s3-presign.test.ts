import { afterEach, describe, expect, it, vi } from "vitest";
import { makeClient } from "./s3-client.js";
import { presigner } from "./s3-presign.js";

// Signing is local: no store is asked. The URL carries its signing time (X-Amz-Date, to the second).
const client = makeClient({
  bucket: "b",
  region: "us-east-1",
  endpoint: "http://127.0.0.1:9",
  forcePathStyle: true,
  accessKey: "AK",
  secretKey: "SK",
});
const signedAt = (url: string) => new URL(url).searchParams.get("X-Amz-Date");

describe("presigner", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("keeps a URL for a quarter of its validity, then signs anew", async () => {
    vi.useFakeTimers({ now: new Date("2026-12-06T10:00:00Z"), toFake: ["Date"] });
    const s = presigner(client, "b", 1200, { reuse: true });
    const first = await s.url("GET", "docker/x");
    expect(signedAt(first)).toBe("20261206T100000Z");
    expect(new URL(first).searchParams.get("X-Amz-Expires")).toBe("1200");
    vi.setSystemTime(new Date("2026-12-06T10:04:59Z"));
    expect(await s.url("GET", "docker/x")).toBe(first);
    // Each method and key has its own URL.
    expect(signedAt(await s.url("HEAD", "docker/x"))).toBe("20261206T100459Z");
    expect(signedAt(await s.url("GET", "docker/y"))).toBe("20261206T100459Z");
    vi.setSystemTime(new Date("2026-12-06T10:05:01Z"));
    expect(signedAt(await s.url("GET", "docker/x"))).toBe("20261206T100501Z");
  });

  it("signs every time without reuse (credentials from the SDK's chain may expire sooner)", async () => {
    vi.useFakeTimers({ now: new Date("2026-12-06T10:00:00Z"), toFake: ["Date"] });
    const s = presigner(client, "b", 1200, { reuse: false });
    await s.url("GET", "docker/x");
    vi.setSystemTime(new Date("2026-12-06T10:00:01Z"));
    expect(signedAt(await s.url("GET", "docker/x"))).toBe("20261206T100001Z");
  });

  it("forgets a refused URL, and holds at most maxEntries", async () => {
    vi.useFakeTimers({ now: new Date("2026-12-06T10:00:00Z"), toFake: ["Date"] });
    const s = presigner(client, "b", 1200, { reuse: true, maxEntries: 2 });
    const a = await s.url("GET", "a");
    await s.url("GET", "b");
    vi.setSystemTime(new Date("2026-12-06T10:00:01Z"));
    expect(await s.url("GET", "a")).toBe(a);
    s.forget("GET", "a");
    expect(signedAt(await s.url("GET", "a"))).toBe("20261206T100001Z");
    const a2 = await s.url("GET", "a");
    await s.url("GET", "c"); // pushes out the oldest, b
    vi.setSystemTime(new Date("2026-12-06T10:00:02Z"));
    expect(await s.url("GET", "a")).toBe(a2);
    expect(signedAt(await s.url("GET", "b"))).toBe("20261206T100002Z");
  });
});

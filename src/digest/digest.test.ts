import { describe, expect, it } from "vitest";
import { isWharfError } from "../errors/index.js";
import { randomHex, uniqueSuffix } from "./crypto.js";
import {
  bytesOf,
  collect,
  Digester,
  digestOf,
  drain,
  hexOf,
  isDigest,
  parseDigest,
  shortHex,
  verifying,
} from "./index.js";

const EMPTY = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const enc = (s: string) => new TextEncoder().encode(s);

describe("parseDigest", () => {
  it("accepts sha256 and sha512", () => {
    expect(parseDigest(EMPTY)).toBe(EMPTY);
    expect(isDigest(`sha512:${"a".repeat(128)}`)).toBe(true);
  });
  it.each([
    ["sha256:abc"],
    [`sha256:${"A".repeat(64)}`],
    [`md5:${"a".repeat(32)}`],
    ["nocolon"],
    [`sha256:${"a".repeat(65)}`],
    [""],
  ])("rejects %j", (v) => {
    expect(() => parseDigest(v)).toThrow();
    try {
      parseDigest(v);
    } catch (e) {
      expect(isWharfError(e, "digest-invalid")).toBe(true);
    }
  });
  it("gives hex and short forms", () => {
    const d = parseDigest(EMPTY);
    expect(hexOf(d)).toHaveLength(64);
    expect(shortHex(d)).toBe("e3b0c44298fc");
  });
});

describe("hashing", () => {
  it("digests in memory and streaming alike", () => {
    expect(digestOf("")).toBe(EMPTY);
    const d = new Digester();
    d.update(enc("hel"));
    d.update(enc("lo"));
    expect(d.digest()).toBe(digestOf("hello"));
    expect(d.size).toBe(5);
  });

  it("passes matching content through", async () => {
    const v = verifying(bytesOf(enc("hel"), enc("lo")), { digest: digestOf("hello"), size: 5 });
    expect((await collect(v, 100)).toString()).toBe("hello");
    expect(v.result).toEqual({ digest: digestOf("hello"), size: 5 });
  });

  it("fails on a digest mismatch at the end", async () => {
    const v = verifying(bytesOf(enc("hello")), { digest: digestOf("other") });
    await expect(drain(v)).rejects.toMatchObject({ code: "digest-invalid" });
    expect(v.result).toBeUndefined();
  });

  it("fails as soon as the size overruns", async () => {
    let pulled = 0;
    async function* src() {
      for (let i = 0; i < 10; i++) {
        pulled++;
        yield enc("xxxx");
      }
    }
    await expect(drain(verifying(src(), { size: 6 }))).rejects.toMatchObject({ code: "size-invalid" });
    expect(pulled).toBe(2);
  });

  it("fails when short", async () => {
    await expect(drain(verifying(bytesOf(enc("abc")), { size: 4 }))).rejects.toMatchObject({
      code: "size-invalid",
    });
  });

  it("collect refuses more than its limit", async () => {
    await expect(collect(bytesOf(enc("abcdef")), 3)).rejects.toMatchObject({ code: "size-invalid" });
  });
});

describe("randomness", () => {
  it("randomHex gives n bytes as hex, different each time; uniqueSuffix 12 hex digits", () => {
    const a = randomHex(32);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(randomHex(32)).not.toBe(a);
    expect(uniqueSuffix()).toMatch(/^[0-9a-f]{12}$/);
  });
});

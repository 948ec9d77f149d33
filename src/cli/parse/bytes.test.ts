import { describe, expect, it } from "vitest";
import { parseCpus, parseMemory, parseSizeFlag } from "./bytes.js";

describe("parseMemory (go-units' RAMInBytes)", () => {
  it("reads binary sizes, case-insensitive, with b, B, KiB", () => {
    expect(parseMemory("512m")).toBe(512 * 1024 ** 2);
    expect(parseMemory("1.5GB")).toBe(1.5 * 1024 ** 3);
    expect(parseMemory("2KiB")).toBe(2048);
    expect(parseMemory("100000")).toBe(100000);
    expect(parseMemory("64 m")).toBe(64 * 1024 ** 2);
    expect(parseMemory("7b")).toBe(7);
  });

  // The messages the docker CLI 28.2 here prints for -m and --memory-swap.
  it("fails in Docker's words", () => {
    expect(() => parseSizeFlag("1x", "-m, --memory")).toThrow(
      `invalid argument "1x" for "-m, --memory" flag: invalid suffix: 'x'`,
    );
    expect(() => parseSizeFlag("abc", "-m, --memory")).toThrow(
      `invalid argument "abc" for "-m, --memory" flag: invalid size: 'abc'`,
    );
    expect(() => parseSizeFlag("1.5.5g", "-m, --memory")).toThrow(
      `invalid argument "1.5.5g" for "-m, --memory" flag: strconv.ParseFloat: parsing "1.5.5": invalid syntax`,
    );
    expect(() => parseSizeFlag("10zb", "-m, --memory")).toThrow(`flag: invalid suffix: 'zb'`);
  });
});

describe("parseCpus (Docker's NanoCPUs)", () => {
  it("reads rational numbers", () => {
    expect(parseCpus("1.5")).toBe(1.5);
    expect(parseCpus("1/2")).toBe(0.5);
    expect(parseCpus(".25")).toBe(0.25);
  });

  it("fails in Docker's words", () => {
    expect(() => parseCpus("1.5x")).toThrow(
      'invalid argument "1.5x" for "--cpus" flag: failed to parse 1.5x as a rational number',
    );
    expect(() => parseCpus("0.00000000001")).toThrow(
      'invalid argument "0.00000000001" for "--cpus" flag: value is too precise',
    );
  });
});

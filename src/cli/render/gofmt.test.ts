import { describe, expect, it } from "vitest";
import { formatFloat } from "./float.js";
import { printValue, sprint, sprintf } from "./gofmt.js";

describe("formatFloat (Go strconv)", () => {
  it("shortest %g switches to exponents below 1e-4 and from 1e21... at 6 digits of exponent", () => {
    expect(formatFloat(1234567, "g", -1)).toBe("1.234567e+06");
    expect(formatFloat(123456, "g", -1)).toBe("123456");
    expect(formatFloat(0.0001, "g", -1)).toBe("0.0001");
    expect(formatFloat(0.00001, "g", -1)).toBe("1e-05");
    expect(formatFloat(0, "g", -1)).toBe("0");
  });
  it("%.Ng rounds half to even on the exact value and drops trailing zeros", () => {
    expect(formatFloat(1.125, "g", 3)).toBe("1.12");
    expect(formatFloat(1.135, "g", 3)).toBe("1.14");
    expect(formatFloat(999.5, "g", 3)).toBe("1e+03");
    expect(formatFloat(100, "g", 3)).toBe("100");
    expect(formatFloat(1.5, "g", 3)).toBe("1.5");
  });
  it("%e and %f", () => {
    expect(formatFloat(1234.5678, "e", 2)).toBe("1.23e+03");
    expect(formatFloat(2.5, "f", 0)).toBe("2");
    expect(formatFloat(1.005, "f", 2)).toBe("1.00");
    expect(formatFloat(0.009, "f", 2)).toBe("0.01");
    expect(formatFloat(-3, "f", 1)).toBe("-3.0");
  });
});

describe("printing", () => {
  it("prints values as %v does", () => {
    expect(printValue(["a", 1, null])).toBe("[a 1 <nil>]");
    expect(printValue({ b: 1, a: [true] })).toBe("map[a:[true] b:1]");
    expect(printValue(undefined)).toBe("<no value>");
  });
  it("Sprint spaces operands when neither is a string", () => {
    expect(sprint([1, 2, "a", "b", 3])).toBe("1 2ab3");
  });
  it("Sprintf verbs, flags and Go's error forms", () => {
    expect(sprintf("%s|%10s|%-10s|%.2s", ["a", "right", "left", "trunc"])).toBe("a|     right|left      |tr");
    expect(sprintf("%d|%5d|%-5d|%05d|%+d|%x|%X|%#x|%o|%b", [1, 2, 3, -4, 5, 255, 255, 255, 8, 5])).toBe(
      "1|    2|3    |-0004|+5|ff|FF|0xff|10|101",
    );
    expect(sprintf("%q|%v|%t|%c|%T|%T|%%", ['a"b', [1, "x"], true, 65, "s", 1.5])).toBe(
      '"a\\"b"|[1 x]|true|A|string|float64|%',
    );
    expect(sprintf("%6.2f|%e|%g", [3.14659, 1500, 0.5])).toBe("  3.15|1.500000e+03|0.5");
    expect(sprintf("%d %s", [1])).toBe("1 %!s(MISSING)");
    expect(sprintf("%d", ["x"])).toBe("%!d(string=x)");
    expect(sprintf("%s", [1, 2])).toBe("%!s(int=1)%!(EXTRA int=2)");
    expect(sprintf("%*d", [4, 7])).toBe("   7");
    expect(sprintf("%", [])).toBe("%!(NOVERB)");
  });
});

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: bake's ${...} interpolation is what these strings hold
import { describe, expect, it } from "vitest";
import { evaluate, type Scope } from "./eval.js";
import { formatDate } from "./functions.js";
import { parseExpression, parseHcl, type Value } from "./hcl.js";

const scope = (vars: Record<string, Value> = {}): Scope => ({
  variable: (n) => vars[n],
  userFunction: () => undefined,
  target: () => undefined,
});

const ev = (text: string, vars: Record<string, Value> = {}) =>
  evaluate(parseExpression(text, "t.hcl"), scope(vars));

describe("HCL syntax", () => {
  it("reads blocks, labels, attributes, comments and one-line blocks", () => {
    const body = parseHcl(
      `# comment
variable "TAG" {default="" }
// another
target "app" {
  /* block
     comment */
  tags = ["a", "b",]
  args = {
    A = "1"
    "B" = 2
  }
}
X = 1
`,
      "f.hcl",
    );
    expect(body.attrs.map((a) => a.name)).toEqual(["X"]);
    expect(body.blocks.map((b) => [b.type, b.labels])).toEqual([
      ["variable", ["TAG"]],
      ["target", ["app"]],
    ]);
    const args = body.blocks[1]?.body.attrs.find((a) => a.name === "args");
    expect(evaluate(args?.expr as never, scope())).toEqual({ A: "1", B: 2 });
  });

  it("says where a syntax error is, as hcl words it", () => {
    expect(() => parseHcl('target "x" {\n  tags = ["a" "b"]\n}\n', "docker-bake.hcl")).toThrow(
      "docker-bake.hcl:2,15-16: Missing item separator; Expected a comma to mark the beginning of the next item.",
    );
    expect(() => parseHcl('target "x" {\n  tags = ["a"]\n', "f.hcl")).toThrow(/Unclosed configuration block/);
    expect(() => parseHcl("target x y = 1\n", "f.hcl")).toThrow(/f.hcl:1,.*Invalid block definition/);
  });

  it("renders %{if} and %{for} directives, and ~ strip markers", () => {
    expect(ev('"%{ if x }yes%{ else }no%{ endif }"', { x: true })).toBe("yes");
    expect(ev('"%{ if x }yes%{ else }no%{ endif }"', { x: false })).toBe("no");
    expect(ev('"%{ for i, v in l }${i}=${v};%{ endfor }"', { l: ["a", "b"] })).toBe("0=a;1=b;");
    expect(ev("<<EOT\nFROM a\n%{ for p in l ~}\nRUN ${p}\n%{ endfor ~}\nEOT\n", { l: ["x", "y"] })).toBe(
      "FROM a\nRUN x\nRUN y\n",
    );
    expect(ev('"a  ${~ "b" ~}  c"')).toBe("abc");
    expect(ev('"%%{ if } $${x}"')).toBe("%{ if } ${x}");
    expect(() => ev('"%{ if x }yes"', { x: true })).toThrow(/Unterminated template directive/);
    expect(() => ev('"%{ endif }"')).toThrow(/%\{endif\} has no opening directive/);
  });

  it("reads heredocs, plain and indented, with interpolation", () => {
    expect(ev("<<EOT\nFROM ${base}\nRUN x\nEOT\n", { base: "alpine" })).toBe("FROM alpine\nRUN x\n");
    expect(ev("<<-EOT\n    a\n      b\n    EOT\n")).toBe("a\n  b\n");
  });
});

describe("HCL expressions", () => {
  it("interpolates, escapes, and keeps a lone interpolation's type", () => {
    expect(ev('"v${x}-${1 + 2}"', { x: "a" })).toBe("va-3");
    expect(ev('"${x}"', { x: 5 })).toBe(5);
    expect(ev('"a\\tb\\"c\\u00e9 $${x}"')).toBe('a\tb"c\u00e9 ${x}');
    expect(() => ev('"${nope}"')).toThrow(
      't.hcl:1,4-8: Unknown variable; There is no variable named "nope".',
    );
  });

  it("operators, precedence, conditionals, access and for expressions", () => {
    expect(ev("1 + 2 * 3 - 4 / 2")).toBe(5);
    expect(ev("!(1 < 2) || 3 >= 3 && true")).toBe(true);
    expect(ev('x == "" ? "empty" : "set"', { x: "" })).toBe("empty");
    expect(ev("m.a[1]", { m: { a: [1, 2] } })).toBe(2);
    expect(ev('m["k"]', { m: { k: "v" } })).toBe("v");
    expect(ev('[for s in l : upper(s) if s != "b"]', { l: ["a", "b", "c"] })).toEqual(["A", "C"]);
    expect(ev("{for k, v in m : v => k}", { m: { a: "x", b: "y" } })).toEqual({ x: "a", y: "b" });
    expect(ev("concat(l...)", { l: [["a"], ["b"]] })).toEqual(["a", "b"]);
    expect(ev("l[*].n", { l: [{ n: 1 }, { n: 2 }] })).toEqual([1, 2]);
    expect(ev("l.*.n", { l: [{ n: "a" }] })).toEqual(["a"]);
    expect(ev("o[*]", { o: "x" })).toEqual(["x"]);
    expect(() => ev("[for s in n : s]", { n: 3 })).toThrow(
      "A value of type number cannot be used as the collection in a 'for' expression.",
    );
    expect(() => ev('"%{for s in n}${s}%{endfor}"', { n: true })).toThrow(
      "A value of type bool cannot be iterated.",
    );
  });

  it("has bake's built-in functions", () => {
    expect(ev('equal("a", "a")')).toBe(true);
    expect(ev('notequal("", "x")')).toBe(true);
    expect(ev("and(true, or(false, not(false)))")).toBe(true);
    expect(ev('upper("ab")')).toBe("AB");
    expect(ev('lower("AB")')).toBe("ab");
    expect(ev('join(",", ["a", "b"])')).toBe("a,b");
    expect(ev('split(",", "a,b")')).toEqual(["a", "b"]);
    expect(ev('replace("1.0.2", ".", "-")')).toBe("1-0-2");
    expect(ev('trimprefix("v1.2", "v")')).toBe("1.2");
    expect(ev('trimsuffix("a.tar", ".tar")')).toBe("a");
    expect(ev('format("%s-%03d-%v", "a", 7, true)')).toBe("a-007-true");
    expect(ev('concat(["a"], ["b", "c"])')).toEqual(["a", "b", "c"]);
    expect(ev('coalesce("", null, "x")')).toBe("x");
    expect(ev('length("abc") + length([1]) + length({a = 1})')).toBe(5);
    expect(ev('lookup({a = "1"}, "b", "d")')).toBe("d");
    expect(ev('contains(["a"], "a")')).toBe(true);
    expect(ev("add(123, 1)")).toBe(124);
    expect(ev('regex_replace("a1b2", "[0-9]", "_")')).toBe("a_b_");
    expect(ev("timestamp()")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(ev('try(m.nope, "fallback")', { m: {} })).toBe("fallback");
    expect(ev("try(m.a, 0)", { m: { a: 1 } })).toBe(1);
    expect(ev("can(m.nope)", { m: {} })).toBe(false);
    expect(ev("can(upper(1))")).toBe(true);
    expect(() => ev("nosuch(1)")).toThrow('Call to unknown function; There is no function named "nosuch".');
    expect(() => ev('lookup({}, "k")')).toThrow(/Error in function call; Call to function "lookup" failed/);
  });

  it("formats dates as formatdate does", () => {
    expect(formatDate("YYYY-MM-DD'T'hh:mm:ssZ", "2026-01-02T03:04:05Z")).toBe("2026-01-02T03:04:05Z");
    expect(formatDate("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z")).toBe("02 Jan 2018 23:12 UTC");
    expect(formatDate("EEEE, MMMM D, YYYY H:mmaa", "2018-01-02T23:12:01-08:00")).toBe(
      "Tuesday, January 2, 2018 11:12pm",
    );
  });
});

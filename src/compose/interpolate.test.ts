// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose's ${VAR} syntax is what these strings test
import { describe, expect, it } from "vitest";
import { interpolate, parseDotEnv } from "./interpolate.js";

const env: Record<string, string> = { A: "a", EMPTY: "" };
const look = (n: string) => env[n];

function run(s: string): { out: string; warned: string[] } {
  const warned: string[] = [];
  return { out: interpolate(s, look, (n) => warned.push(n)), warned };
}

describe("interpolate", () => {
  it("replaces $VAR and ${VAR}, keeps $$ as $", () => {
    expect(run("x $A ${A}y $$A $${A}").out).toBe("x a ay $A ${A}");
  });
  it("gives defaults for unset (-) and unset or empty (:-)", () => {
    expect(run("${B-d} ${B:-d} ${EMPTY-d} ${EMPTY:-d} ${A:-d}").out).toBe("d d  d a");
  });
  it("gives replacements with + and :+", () => {
    expect(run("${A:+r} ${B:+r} ${EMPTY+r} ${EMPTY:+r}").out).toBe("r  r ");
  });
  it("interpolates inside defaults", () => {
    expect(run("${B:-${A}x}").out).toBe("ax");
  });
  it("refuses a required variable in Compose's words", () => {
    expect(() => run("${B:?must be set}")).toThrow("required variable B is missing a value: must be set");
    expect(() => run("${EMPTY:?}")).toThrow("required variable EMPTY is missing a value");
    expect(run("${EMPTY?x}").out).toBe("");
  });
  it("warns once per unset variable and blanks it", () => {
    const r = run("$B-${B}");
    expect(r.out).toBe("-");
    expect(r.warned).toEqual(["B", "B"]);
  });
  it("refuses a broken template", () => {
    expect(() => run("${A")).toThrow('Invalid template: "${A"');
    expect(() => run("${1x}")).toThrow("Invalid template");
  });
});

describe("parseDotEnv", () => {
  it("reads KEY=VALUE lines, quotes, comments and export", () => {
    const text = `# c\nA=1\nexport B = two \nC="x\\ny" \nD='$raw'\nE=val # comment\n\nF=\nnovalue\n`;
    expect(parseDotEnv(text)).toEqual({ A: "1", B: "two", C: "x\ny", D: "$raw", E: "val", F: "" });
  });
});

import { describe, expect, it } from "vitest";
import {
  type CallAnswer,
  callAttribute,
  callDocument,
  callStatus,
  callText,
  loadDefinition,
  parseCallSpec,
  parseOverride,
  plan,
} from "./index.js";

const BAKE = `
group "default" {
  targets = ["web", "api"]
}
target "api" {
  description = "the API server"
  dockerfile = "api.Dockerfile"
}
target "web" {
  tags = ["web:1"]
}
`;

const planOf = (names: string[], sets: string[] = []) =>
  plan(
    loadDefinition({ files: [{ name: "docker-bake.hcl", text: BAKE }], cwd: "/nowhere", env: {} }),
    names,
    sets.map(parseOverride),
  );

const targetsAnswer = (stage: string): CallAnswer => ({
  method: "targets",
  text: ["TARGET         DESCRIPTION", `${stage} (default) `],
  json: {
    targets: [{ name: stage, default: true, base: "scratch", location: { ranges: [] } }],
    sources: ["RlJPTSBzY3JhdGNo"],
  },
  status: 0,
});

describe("parseCallSpec", () => {
  it("reads buildx's METHOD[,format=...][,ignorestatus=...], lint as check, empty as build", () => {
    expect(parseCallSpec("targets,format=json")).toEqual({
      method: "targets",
      format: "json",
      ignoreStatus: false,
    });
    expect(parseCallSpec("check,ignorestatus=true")).toEqual({
      method: "check",
      format: "text",
      ignoreStatus: true,
    });
    expect(parseCallSpec("lint").method).toBe("check");
    expect(parseCallSpec("").method).toBe("build");
    // buildx's printer writes text for any format but json.
    expect(parseCallSpec("outline,format=yaml").format).toBe("text");
  });

  it("refuses what buildx's ParseCallFunc refuses, in its words", () => {
    expect(() => parseCallSpec("targets,color=red")).toThrow("invalid print field: color=red");
    expect(() => parseCallSpec("targets,outline")).toThrow("invalid print value: targets,outline");
    expect(() => parseCallSpec("check,ignorestatus=maybe")).toThrow(
      'invalid ignorestatus print value: maybe: strconv.ParseBool: parsing "maybe": invalid syntax',
    );
    expect(() => parseCallSpec("describe")).toThrow(/invalid value "describe" for --call/);
  });

  it("sets check as buildx's lint on the targets", () => {
    expect(callAttribute("check")).toBe("lint");
    expect(callAttribute("targets")).toBe("targets");
  });
});

describe("callText", () => {
  it("prints each target by name under its name, description and a blank line, a blank line between", () => {
    const p = planOf([]);
    const answers = new Map([
      ["web", targetsAnswer("web")],
      ["api", targetsAnswer("api")],
    ]);
    expect(callText(answers, p.targets)).toEqual([
      "api",
      "the API server",
      "",
      "TARGET         DESCRIPTION",
      "api (default) ",
      "",
      "web",
      "",
      "TARGET         DESCRIPTION",
      "web (default) ",
    ]);
  });

  it("prints one target under its name too", () => {
    const p = planOf(["web"]);
    expect(callText(new Map([["web", targetsAnswer("web")]]), p.targets)).toEqual([
      "web",
      "",
      "TARGET         DESCRIPTION",
      "web (default) ",
    ]);
  });
});

describe("a check's lint error (error=true)", () => {
  const failed: CallAnswer = {
    method: "check",
    text: ["Check complete, 1 warning has been found!", "", "WARNING: X - u", "m", ""],
    json: {
      warnings: [{ ruleName: "X" }],
      sources: [],
      buildError: { message: "lint violation", location: {} },
    },
    status: 1,
    error: "lint violation found for rules: X\n",
  };

  it("is printed under its target as buildx's `error: %v\\n` (the error's own newline makes a blank line)", () => {
    const p = planOf([]);
    expect(callText(new Map([["api", failed]]), p.targets)).toEqual([
      "api",
      "the API server",
      "",
      ...failed.text,
      "error: lint violation found for rules: X",
      "",
    ]);
  });

  it("is in the JSON document as `error` beside the lint result, keys sorted", () => {
    const p = planOf(["web"], ["*.call=lint"]);
    const doc = JSON.parse(callDocument(new Map(), p.targets, new Map([["web", failed]])));
    expect(Object.keys(doc.target.web.check)).toEqual(["buildError", "error", "sources", "warnings"]);
    expect(doc.target.web.check.error).toBe("lint violation found for rules: X\n");
  });

  it("makes the status 1 whatever ignorestatus says", () => {
    const clean: CallAnswer = { method: "check", text: [], json: {}, status: 0 };
    const answers = new Map([
      ["a", clean],
      ["b", { ...failed, status: 0 }],
    ]);
    expect(callStatus(answers, false)).toBe(1);
    expect(callStatus(answers, true)).toBe(1);
  });
});

describe("callDocument", () => {
  it("is one document: the groups, every target's definition under build and its answer under the method", () => {
    const p = planOf([], ["*.call=targets"]);
    const answers = new Map([
      ["web", targetsAnswer("web")],
      ["api", targetsAnswer("api")],
    ]);
    const text = callDocument(p.groups, p.targets, answers);
    const doc = JSON.parse(text);
    expect(doc.group).toEqual({ default: { targets: ["web", "api"] } });
    expect(Object.keys(doc.target)).toEqual(["api", "web"]);
    expect(doc.target.web).toEqual({
      build: { context: ".", dockerfile: "Dockerfile", tags: ["web:1"], call: "targets" },
      targets: {
        sources: ["RlJPTSBzY3JhdGNo"],
        targets: [{ name: "web", default: true, base: "scratch", location: { ranges: [] } }],
      },
    });
    expect(doc.target.api.build.description).toBe("the API server");
    expect(doc.target.api.targets.targets[0].name).toBe("api");
    // Go's encoding: two-space indent, the answer's keys in map order (sorted).
    expect(text).toMatch(/^\{\n {2}"group": \{/);
    expect(Object.keys(doc.target.web)).toEqual(["build", "targets"]);
    expect(Object.keys(doc.target.web.targets)).toEqual(["sources", "targets"]);
  });

  it("has no group when none was reached, and a target without an answer has its build alone", () => {
    const p = planOf(["web"]);
    const doc = JSON.parse(callDocument(new Map(), p.targets, new Map()));
    expect(doc).toEqual({
      target: { web: { build: { context: ".", dockerfile: "Dockerfile", tags: ["web:1"] } } },
    });
  });

  it("puts a check's answer under check and escapes HTML characters as Go does", () => {
    const p = planOf(["web"], ["*.call=lint"]);
    const answer: CallAnswer = {
      method: "check",
      text: [],
      json: { warnings: [{ ruleName: "X", detail: "a <b> & c" }], sources: [] },
      status: 1,
    };
    const text = callDocument(new Map(), p.targets, new Map([["web", answer]]));
    expect(text).toContain('"detail": "a \\u003cb\\u003e \\u0026 c"');
    const doc = JSON.parse(text);
    expect(doc.target.web.build.call).toBe("lint");
    expect(Object.keys(doc.target.web.check)).toEqual(["sources", "warnings"]);
  });
});

describe("callStatus", () => {
  const check = (status: number): CallAnswer => ({ method: "check", text: [], json: {}, status });
  it("is the first non-zero status by target name, 0 when told to ignore it", () => {
    expect(callStatus(new Map([["a", check(0)]]), false)).toBe(0);
    expect(
      callStatus(
        new Map([
          ["b", check(3)],
          ["a", check(1)],
        ]),
        false,
      ),
    ).toBe(1);
    expect(callStatus(new Map([["a", check(1)]]), true)).toBe(0);
  });
});

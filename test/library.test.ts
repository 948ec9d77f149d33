import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as wharf from "../src/index.js";

const REPO = join(import.meta.dirname, "..");
const DOC = readFileSync(join(REPO, "docs", "architecture.md"), "utf8");
const EXAMPLES = join(REPO, "examples", "library");

/** The names `src/index.ts` exports, types included (read from its source: types leave no value). */
function exportedNames(): string[] {
  const src = readFileSync(join(REPO, "src", "index.ts"), "utf8");
  const names: string[] = [];
  for (const block of src.matchAll(/export (?:type )?\{([^}]*)\}/g)) {
    for (const part of (block[1] ?? "").split(",")) {
      const name = part.replace(/\btype\b/, "").trim();
      if (name) names.push(name);
    }
  }
  return names;
}

describe("the package's public surface is what docs/architecture.md documents", () => {
  it("documents every exported name", () => {
    for (const name of exportedNames()) {
      if (/(Options|Result)$/.test(name)) continue; // option and result types, documented with their function
      expect(DOC, `${name} is exported but not documented`).toContain(`\`${name}`);
    }
  });

  it("exports every function the page documents, and the values are there at run time", () => {
    const documented = [...DOC.matchAll(/^\| `(\w+)\(/gm)].map((m) => m[1] as string);
    expect(documented.length).toBeGreaterThan(10);
    for (const name of documented)
      expect(typeof (wharf as Record<string, unknown>)[name], name).toBe("function");
  });

  it("has examples that import only the package (and Node and each other)", () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith(".mjs"));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const f of files) {
      const text = readFileSync(join(EXAMPLES, f), "utf8");
      for (const m of text.matchAll(/from "([^"]+)"/g)) {
        expect(m[1], `${f} imports ${m[1]}`).toMatch(/^(wharf|node:.*|\.\/[\w-]+\.mjs)$/);
      }
      for (const m of text.matchAll(/import \{([^}]*)\} from "wharf"/g)) {
        for (const name of (m[1] ?? "")
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)) {
          expect(exportedNames(), `${f} uses ${name}`).toContain(name);
        }
      }
      if (f !== "publish.mjs")
        expect(DOC, `${f} is not listed in the docs`).toContain(`examples/library/${f}`);
    }
  });

  it("keeps WharfError usable across the boundary", () => {
    expect(() => wharf.parseReference("UPPER")).toThrow(wharf.WharfError);
    expect(wharf.digestOf(new Uint8Array())).toBe(
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });
});

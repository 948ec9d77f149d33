import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The module layers of ../shared/DESIGN.md: each module may import only the modules listed for it.
 * Production files only; tests may wire any modules together (the client's tests use the registry).
 */
const base = ["errors", "digest", "reference", "oci", "files"];
const store = [...base, "content", "images"];
const client = [...store, "auth", "remote"];
const ALLOWED: Record<string, string[]> = {
  errors: [],
  digest: ["errors"],
  files: ["errors", "digest"],
  reference: ["errors", "digest"],
  oci: ["errors", "digest"],
  content: base,
  images: [...base, "content"],
  auth: ["errors", "files"],
  remote: client.filter((m) => m !== "remote"),
  archive: client,
  rootfs: [...client, "archive"],
  runtime: [...client, "archive", "rootfs"],
  dockerfile: ["errors"],
  build: [...client, "archive", "rootfs", "runtime", "dockerfile"],
  registry: base,
  cli: ["*"],
};

const SRC = join(import.meta.dirname, "..", "src");

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return filesUnder(p);
    return p.endsWith(".ts") && !p.endsWith(".test.ts") && !p.includes("/testing/") ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(
    /(?:import|export)[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g,
  )) {
    const spec = m[1] ?? m[2];
    if (spec?.startsWith(".")) out.push(spec);
  }
  return out;
}

describe("module layers", () => {
  const modules = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());

  it("every module is in the table", () => {
    for (const m of modules)
      expect(Object.keys(ALLOWED), `module ${m} is not in the layer table`).toContain(m);
  });

  for (const m of modules) {
    it(`${m} imports only what it may`, () => {
      const allowed = ALLOWED[m] ?? [];
      for (const file of filesUnder(join(SRC, m))) {
        for (const spec of importsOf(file)) {
          const target = relative(SRC, join(file, "..", spec)).split("/")[0] ?? "";
          if (target === m || allowed.includes("*")) continue;
          expect(allowed, `${relative(SRC, file)} imports ${spec}`).toContain(target);
        }
      }
    });
  }
});

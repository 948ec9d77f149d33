import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The module layers of ../shared/DESIGN.md: each module may import only the modules listed for it.
 * Production files only; tests may wire any modules together (the client's tests use the registry).
 */
const base = ["errors", "digest", "reference", "oci", "files"];
const store = [...base, "content", "images"];
const client = [...store, "auth", "http1", "remote"];
const ALLOWED: Record<string, string[]> = {
  errors: [],
  digest: ["errors"],
  files: ["errors", "digest"],
  reference: ["errors", "digest"],
  oci: ["errors", "digest"],
  content: base,
  images: [...base, "content"],
  auth: ["errors", "files"],
  http1: ["errors"],
  remote: client.filter((m) => m !== "remote"),
  archive: client,
  rootfs: [...client, "archive"],
  runtime: [...client, "archive", "rootfs"],
  dockerfile: ["errors"],
  build: [...client, "archive", "rootfs", "runtime", "dockerfile"],
  registry: [...base, "http1"],
  trust: ["errors", "digest", "reference", "oci", "files"],
  compose: ["errors"],
  bake: ["errors", "compose"],
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

/** The production file each relative import of `file` names (`./x.js` is `./x.ts`). */
function importedFiles(file: string): string[] {
  return importsOf(file).map((spec) => resolve(dirname(file), spec).replace(/\.js$/, ".ts"));
}

/** The strongly connected components with more than one node (Tarjan): each is an import cycle. */
function cycles(nodes: string[], edges: (n: string) => string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v) as number);
    stack.push(v);
    onStack.add(v);
    for (const w of edges(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || edges(v).includes(v)) found.push(scc.sort());
  };
  for (const n of nodes) if (!index.has(n)) visit(n);
  return found;
}

describe("import cycles", () => {
  const files = filesUnder(SRC);
  const known = new Set(files);
  const moduleOf = (f: string) => relative(SRC, f).split("/")[0] ?? "";

  it("none between modules", () => {
    const edges = new Map<string, Set<string>>();
    for (const f of files) {
      for (const t of importedFiles(f)) {
        const [a, b] = [moduleOf(f), moduleOf(t)];
        if (a !== b && known.has(t)) edges.set(a, (edges.get(a) ?? new Set()).add(b));
      }
    }
    expect(cycles([...edges.keys()], (m) => [...(edges.get(m) ?? [])])).toEqual([]);
  });

  it("none between the files of a module (dynamic imports included)", () => {
    const edges = (f: string) => importedFiles(f).filter((t) => known.has(t) && moduleOf(t) === moduleOf(f));
    const found = cycles(files, edges).map((c) => c.map((f) => relative(SRC, f)));
    expect(found).toEqual([]);
  });
});

describe("module layers", () => {
  const modules = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());

  it("every module is in the table", () => {
    for (const m of modules)
      expect(Object.keys(ALLOWED), `module ${m} is not in the layer table`).toContain(m);
  });

  it("cli reaches the other modules only through their index.ts", () => {
    for (const file of filesUnder(join(SRC, "cli"))) {
      for (const target of importedFiles(file)) {
        const [mod, ...rest] = relative(SRC, target).split("/");
        if (mod === "cli") continue;
        expect(rest.join("/"), `${relative(SRC, file)} imports ${relative(SRC, target)}`).toBe("index.ts");
      }
    }
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

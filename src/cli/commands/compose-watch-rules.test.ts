import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ServiceConfig } from "../../compose/index.js";
import { activeRules, Batcher, matchRule, planBatch, quoteList } from "./compose-watch-rules.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wharf-watch-rules-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const service = (name: string, develop: ServiceConfig["develop"], build = true): ServiceConfig => ({
  name,
  networks: {},
  ...(build ? { build: { context: join(dir, name) } } : { image: "busybox" }),
  ...(develop ? { develop } : {}),
});

describe("matchRule", () => {
  it("maps a path under the rule to the target; leaves out paths elsewhere", () => {
    const [r] = activeRules([
      service("web", { watch: [{ path: join(dir, "src"), action: "sync", target: "/app/" }] }, false),
    ]);
    if (!r) throw new Error("no rule");
    expect(matchRule(r, join(dir, "src", "a", "b.txt"))).toMatchObject({
      host: join(dir, "src", "a", "b.txt"),
      container: "/app/a/b.txt",
    });
    expect(matchRule(r, join(dir, "src"))?.container).toBe("/app/");
    expect(matchRule(r, join(dir, "srcx", "b.txt"))).toBeUndefined();
    expect(matchRule(r, join(dir, "other.txt"))).toBeUndefined();
  });

  it("ignore patterns (relative to the path), editors' files and .git are left out", () => {
    const [r] = activeRules([
      service(
        "web",
        {
          watch: [
            {
              path: join(dir, "src"),
              action: "sync",
              target: "/app",
              ignore: ["node_modules/", "*.log", "tmp/x"],
            },
          ],
        },
        false,
      ),
    ]);
    if (!r) throw new Error("no rule");
    const m = (p: string) => matchRule(r, join(dir, "src", p)) !== undefined;
    expect(m("node_modules/lib/index.js")).toBe(false);
    expect(m("app.log")).toBe(false);
    expect(m("tmp/x")).toBe(false);
    expect(m("tmp/y")).toBe(true);
    expect(m("sub/app.log")).toBe(true); // as .dockerignore: `*.log` is the top level only
    expect(m(".main.js.swp")).toBe(false);
    expect(m("main.js~")).toBe(false);
    expect(m("4913")).toBe(false);
    expect(m(".#main.js")).toBe(false);
    expect(m(".git/HEAD")).toBe(false);
    expect(m("main.js")).toBe(true);
  });

  it("include keeps only the paths it names", () => {
    const [r] = activeRules([
      service(
        "web",
        { watch: [{ path: join(dir, "src"), action: "sync", target: "/app", include: ["*.js"] }] },
        false,
      ),
    ]);
    if (!r) throw new Error("no rule");
    expect(matchRule(r, join(dir, "src", "a.js"))).toBeDefined();
    expect(matchRule(r, join(dir, "src", "a.css"))).toBeUndefined();
  });

  it("the build context's .dockerignore applies (Dockerfile-specific first)", () => {
    mkdirSync(join(dir, "web"));
    writeFileSync(join(dir, "web", ".dockerignore"), "*.md\n!KEEP.md\n");
    const [r] = activeRules([service("web", { watch: [{ path: join(dir, "web"), action: "rebuild" }] })]);
    if (!r) throw new Error("no rule");
    expect(matchRule(r, join(dir, "web", "README.md"))).toBeUndefined();
    expect(matchRule(r, join(dir, "web", "KEEP.md"))).toBeDefined();
    expect(matchRule(r, join(dir, "web", "main.go"))).toEqual({ host: join(dir, "web", "main.go"), rule: r });
    writeFileSync(join(dir, "web", "Dockerfile.dockerignore"), "*.go\n");
    const [r2] = activeRules([service("web", { watch: [{ path: join(dir, "web"), action: "rebuild" }] })]);
    if (!r2) throw new Error("no rule");
    expect(matchRule(r2, join(dir, "web", "main.go"))).toBeUndefined();
    expect(matchRule(r2, join(dir, "web", "README.md"))).toBeDefined();
  });
});

describe("planBatch", () => {
  it("gathers each service's work: syncs once per path, restart, rebuild, each exec once", () => {
    const rules = activeRules([
      service("web", {
        watch: [
          { path: join(dir, "src"), action: "sync", target: "/app" },
          { path: join(dir, "conf"), action: "sync+restart", target: "/etc/conf" },
          { path: join(dir, "hooks"), action: "sync+exec", target: "/h", exec: { command: ["reload"] } },
        ],
      }),
      service("api", {
        watch: [
          { path: join(dir, "api"), action: "rebuild" },
          { path: join(dir, "api", "static"), action: "sync", target: "/static" },
          { path: join(dir, "cfg"), action: "restart" },
        ],
      }),
    ]);
    const plans = planBatch(rules, [
      join(dir, "src", "a.js"),
      join(dir, "src", "a.js"),
      join(dir, "conf", "x.conf"),
      join(dir, "hooks", "one"),
      join(dir, "hooks", "two"),
      join(dir, "api", "static", "logo.png"),
      join(dir, "elsewhere"),
    ]);
    const web = plans.get("web");
    expect(web?.sync.map((m) => m.container)).toEqual(["/app/a.js", "/etc/conf/x.conf", "/h/one", "/h/two"]);
    expect(web?.restart).toBe(true);
    expect(web?.rebuild).toBe(false);
    expect(web?.exec).toEqual([{ command: ["reload"] }]);
    const api = plans.get("api");
    // Every rule that takes the path acts: the rebuild and the sync under it.
    expect(api?.rebuild).toBe(true);
    expect(api?.sync.map((m) => m.container)).toEqual(["/static/logo.png"]);
    expect(api?.restart).toBe(false);
    expect(planBatch(rules, [join(dir, "cfg", "a")]).get("api")?.restart).toBe(true);
    expect(planBatch(rules, [join(dir, "elsewhere")]).size).toBe(0);
  });
});

describe("Batcher", () => {
  it("hands over the changes as one batch once none has come for the quiet period, each path once", () => {
    vi.useFakeTimers();
    try {
      const batches: string[][] = [];
      const b = new Batcher((p) => batches.push(p), 500);
      b.add("/a");
      vi.advanceTimersByTime(300);
      b.add("/b");
      b.add("/a");
      vi.advanceTimersByTime(400);
      expect(batches).toEqual([]);
      vi.advanceTimersByTime(100);
      expect(batches).toEqual([["/a", "/b"]]);
      b.add("/c");
      b.close();
      vi.advanceTimersByTime(1000);
      expect(batches).toEqual([["/a", "/b"]]);
    } finally {
      vi.useRealTimers();
    }
  });
});

it("quoteList prints names as Go's %q of a []string", () => {
  expect(quoteList(["web"])).toBe('["web"]');
  expect(quoteList(["web", "db"])).toBe('["web" "db"]');
});

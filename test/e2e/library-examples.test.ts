import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const REPO = join(import.meta.dirname, "..", "..");

/** The library examples of docs/architecture.md, run as a user runs them (`node FILE`, importing "wharf"). */
describe("library examples", () => {
  const example = async (name: string) => {
    if (!existsSync(join(REPO, "dist", "index.js"))) throw new Error("run `npm run build` first");
    const { stdout } = await run(process.execPath, [join(REPO, "examples", "library", name)], { cwd: REPO });
    return stdout;
  };

  it("registry.mjs: a registry in process", async () => {
    const out = await example("registry.mjs");
    expect(out).toMatch(/^registry at http:\/\/127\.0\.0\.1:\d+$/m);
    expect(out).toMatch(/^pushed demo\/hello:1\.0 sha256:[0-9a-f]{64}$/m);
    expect(out).toContain("tags: 1.0");
  });

  it("pull-inspect.mjs: pull, inspect, history, list", async () => {
    const out = await example("pull-inspect.mjs");
    expect(out).toMatch(/^pulled 127\.0\.0\.1:\d+\/demo\/hello@sha256:[0-9a-f]{64}$/m);
    expect(out).toMatch(/^Id sha256:[0-9a-f]{64}$/m);
    expect(out).toContain('Cmd ["cat","/hello.txt"], linux/amd64, 1 layer');
    expect(out).toContain("history: COPY hello.txt / # buildkit");
    expect(out).toMatch(/^listed: 127\.0\.0\.1:\d+\/demo\/hello:1\.0$/m);
  });

  it("push.mjs: tag and push, blobs mounted", async () => {
    const out = await example("push.mjs");
    expect(out.match(/: mounted$/gm)).toHaveLength(2);
    expect(out).toMatch(/^stable: digest: sha256:[0-9a-f]{64} size: \d+$/m);
  });

  it("copy.mjs: registry to registry, same digest", async () => {
    const out = await example("copy.mjs");
    expect(out.match(/: pushed$/gm)).toHaveLength(2);
    expect(out).toMatch(/^copied sha256:[0-9a-f]{64} \(same digest\)$/m);
  });

  it("apply-layer.mjs: a layer unpacked, verified", async () => {
    const out = await example("apply-layer.mjs");
    expect(out).toMatch(/^applied 1 entries, diff ID sha256:[0-9a-f]{64}$/m);
    expect(out).toContain("files: hello.txt");
    expect(out).toContain("hello.txt: hello from a wharf library example");
  });
});

import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createDockerignoreMatcher, parseDockerignore } from "../dockerfile/index.js";
import { tempDirs } from "../files/testing/temp.js";
import { type PathFilter, pickSources, type SourceTree } from "./select.js";

const temp = tempDirs("wharf-build-select-");

function context(): string {
  const d = temp();
  for (const f of [
    "a.txt",
    "b.txt",
    "c.log",
    "src/main.go",
    "src/lib/x.go",
    "src/lib/y.log",
    "logs/keep.log",
    "logs/drop.log",
  ]) {
    mkdirSync(join(d, f, ".."), { recursive: true });
    writeFileSync(join(d, f), f);
  }
  symlinkSync("a.txt", join(d, "link"));
  return d;
}

function filter(text: string): PathFilter {
  const m = createDockerignoreMatcher(parseDockerignore(text));
  return { excludes: (r) => m.matches(r), mayReadmit: (r) => m.mayContainExceptions(r) };
}

const dests = async (
  tree: SourceTree,
  sources: string[],
  dest: string,
  o: { isDir?: boolean; exclude?: PathFilter; parents?: boolean } = {},
) =>
  (
    await pickSources(tree, sources, {
      dest,
      destIsDir: async () => o.isDir === true,
      ...(o.exclude ? { exclude: o.exclude } : {}),
      parents: o.parents === true,
    })
  ).map((p) => p.dest);

describe("COPY source selection (Docker's rules)", () => {
  it("copies a directory's contents, not the directory", async () => {
    const tree = { dir: context() };
    expect(await dests(tree, ["src"], "/app")).toEqual([
      "/app/lib",
      "/app/lib/x.go",
      "/app/lib/y.log",
      "/app/main.go",
    ]);
  });

  it("writes a file at the destination, or inside it when it ends with / or is a directory", async () => {
    const tree = { dir: context() };
    expect(await dests(tree, ["a.txt"], "/dst")).toEqual(["/dst"]);
    expect(await dests(tree, ["a.txt"], "/dst/")).toEqual(["/dst/a.txt"]);
    expect(await dests(tree, ["a.txt"], "/dst", { isDir: true })).toEqual(["/dst/a.txt"]);
  });

  it("expands wildcards per component and allows none to match", async () => {
    const tree = { dir: context() };
    expect(await dests(tree, ["*.txt"], "/d/")).toEqual(["/d/a.txt", "/d/b.txt"]);
    expect(await dests(tree, ["src/*/x.go"], "/d/")).toEqual(["/d/x.go"]);
    expect(await dests(tree, ["*.none"], "/d/")).toEqual([]);
  });

  it("needs a directory destination for several sources", async () => {
    const tree = { dir: context() };
    await expect(dests(tree, ["a.txt", "b.txt"], "/file")).rejects.toThrow(
      /must be a directory and end with a \//,
    );
    expect(await dests(tree, ["a.txt", "b.txt"], "/dir/")).toEqual(["/dir/a.txt", "/dir/b.txt"]);
  });

  it("fails on a missing source, also one .dockerignore leaves out", async () => {
    const tree = { dir: context(), filter: filter("c.log\n") };
    await expect(dests(tree, ["nope"], "/d/")).rejects.toThrow(/"\/nope": not found/);
    await expect(dests(tree, ["c.log"], "/d/")).rejects.toThrow(/not found/);
  });

  it("applies .dockerignore while walking, with exceptions inside excluded directories", async () => {
    const tree = { dir: context(), filter: filter("*.log\n**/*.log\nlogs\n!logs/keep.log\n") };
    expect(await dests(tree, ["."], "/app/")).toEqual([
      "/app/a.txt",
      "/app/b.txt",
      "/app/link",
      "/app/logs/keep.log",
      "/app/src",
      "/app/src/lib",
      "/app/src/lib/x.go",
      "/app/src/main.go",
    ]);
  });

  it("takes --exclude patterns relative to the source and keeps paths with --parents", async () => {
    const tree = { dir: context() };
    expect(await dests(tree, ["src"], "/app/", { exclude: filter("**/*.log\n") })).toEqual([
      "/app/lib",
      "/app/lib/x.go",
      "/app/main.go",
    ]);
    expect(await dests(tree, ["src/lib/x.go", "a.txt"], "/app/", { parents: true })).toEqual([
      "/app/src/lib/x.go",
      "/app/a.txt",
    ]);
  });

  it("follows a symlink named as the source, copies symlinks inside directories as they are", async () => {
    const tree = { dir: context() };
    const picked = await pickSources(tree, ["link"], { dest: "/d/", destIsDir: async () => true });
    expect(picked[0]?.st.kind).toBe("f");
    const all = await pickSources(tree, ["."], { dest: "/d/", destIsDir: async () => true });
    expect(all.find((p) => p.dest === "/d/link")?.st.kind).toBe("l");
  });
});

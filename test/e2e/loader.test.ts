// bin/wharf.cjs: the bundle compiled with a V8 code cache of each command's own. Runs a copy of the
// built bundle (needs `npm run build`) so that the caches it writes are its own.
import { execFileSync, spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./helpers/registries.js";

let dir: string;
const cacheDir = () => join(dir, "dist", "bundle", "cache");
const caches = () => readdirSync(cacheDir()).sort();
const wharf = (...args: string[]) => wharfWith({}, ...args);
const wharfWith = (env: Record<string, string>, ...args: string[]) =>
  execFileSync(process.execPath, [join(dir, "bin", "wharf.cjs"), ...args], {
    encoding: "utf8",
    env: { ...process.env, NODE_EXTRA_CA_CERTS: "", NODE_OPTIONS: "", ...env },
  });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wharf-loader-"));
  mkdirSync(join(dir, "bin"));
  mkdirSync(join(dir, "dist", "bundle"), { recursive: true });
  copyFileSync(join(REPO_ROOT, "bin", "wharf.cjs"), join(dir, "bin", "wharf.cjs"));
  for (const f of ["main.js", "run.js", "registry.js", "shim.js", "shim-loader.cjs", "package.json"]) {
    copyFileSync(join(REPO_ROOT, "dist", "bundle", f), join(dir, "dist", "bundle", f));
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("bin/wharf.cjs", () => {
  it("writes a command's cache on its first run, names it by the verb, and uses it after", () => {
    expect(wharf("--version")).toBe("wharf version 0.1.0\n");
    const root = join(dir, "root");
    expect(wharf("--root", root, "ps", "-a")).toMatch(/^CONTAINER ID\s+IMAGE/);
    const names = caches();
    expect(names.map((n) => n.split("-")[0])).toEqual(["none", "ps"]);
    const ps = join(cacheDir(), names[1] as string);
    const before = statSync(ps);
    expect(before.size).toBeGreaterThan(10_000);
    expect(wharf("--root", root, "ps", "-a")).toMatch(/^CONTAINER ID/);
    // Accepted, so not written again.
    expect(statSync(ps).mtimeMs).toBe(before.mtimeMs);
    expect(caches()).toEqual(names);
  });

  it("writes no cache from a run that failed: the next usual run writes it", () => {
    const root = join(dir, "root");
    const images = () => caches().filter((n) => n.startsWith("images-"));
    expect(() => wharf("--root", root, "images", "--filter", "nosuchfilter=1")).toThrow();
    expect(images()).toEqual([]);
    expect(wharf("--root", root, "images", "-q")).toBe("");
    expect(images()).toHaveLength(1);
  });

  it("runs from source and writes a new cache when the cache is refused", () => {
    const ps = join(cacheDir(), caches().find((n) => n.startsWith("ps-")) as string);
    writeFileSync(ps, "not a code cache");
    expect(wharf("--root", join(dir, "root"), "ps", "-aq")).toBe("");
    expect(readFileSync(ps).byteLength).toBeGreaterThan(10_000);
  });

  it("keeps the caches of runs with other Node flags apart, so that neither refuses the other's", () => {
    const none = () => caches().filter((n) => n.startsWith("none-"));
    const before = none();
    expect(wharfWith({ NODE_OPTIONS: "--max-old-space-size=200" }, "--version")).toBe(
      "wharf version 0.1.0\n",
    );
    const after = none();
    expect(after).toHaveLength(before.length + 1);
    const mtimes = after.map((n) => statSync(join(cacheDir(), n)).mtimeMs);
    wharf("--version");
    wharfWith({ NODE_OPTIONS: "--max-old-space-size=200" }, "--version");
    expect(none().map((n) => statSync(join(cacheDir(), n)).mtimeMs)).toEqual(mtimes);
  });

  it("writes no cache from a command's --help: the command's next usual run writes it", () => {
    expect(wharf("ps", "--help")).toContain("Usage:  wharf ps");
    expect(wharf("images", "--help")).toContain("Usage:  wharf images");
    expect(caches().filter((n) => n.startsWith("images-"))).toHaveLength(1);
    const images = join(cacheDir(), caches().find((n) => n.startsWith("images-")) as string);
    rmSync(images);
    expect(wharf("images", "--help")).toContain("Usage:  wharf images");
    expect(caches().filter((n) => n.startsWith("images-"))).toEqual([]);
    expect(wharf("--root", join(dir, "root"), "images", "-q")).toBe("");
    expect(caches().filter((n) => n.startsWith("images-"))).toHaveLength(1);
  });

  it("runs run, create and start from run.js, every other command from main.js", () => {
    const bundle = (f: string) => join(dir, "dist", "bundle", f);
    expect(statSync(bundle("run.js")).size).toBeLessThan(statSync(bundle("main.js")).size * 0.8);
    // A main.js whose usage lines read otherwise, the original moved aside (its identity kept).
    const text = readFileSync(bundle("main.js"), "latin1");
    renameSync(bundle("main.js"), bundle("main.js.orig"));
    writeFileSync(bundle("main.js"), text.replaceAll("Usage:  wharf", "Usage: (main.js) wharf"), "latin1");
    try {
      for (const verb of ["run", "create", "start"]) {
        expect(wharf(verb, "--help")).toContain(`Usage:  wharf ${verb} [OPTIONS]`);
        expect(wharf("--root", join(dir, "root"), "--debug", verb, "--help")).toContain(
          `Usage:  wharf ${verb} [OPTIONS]`,
        );
      }
      expect(wharf("ps", "--help")).toContain("Usage: (main.js) wharf ps");
      expect(wharf("container", "run", "--help")).toContain("Usage: (main.js) wharf run [OPTIONS]");
      // Without run.js (an older build's layout), main.js serves them.
      renameSync(bundle("run.js"), bundle("run.js.orig"));
      expect(wharf("create", "--help")).toContain("Usage: (main.js) wharf create [OPTIONS]");
      renameSync(bundle("run.js.orig"), bundle("run.js"));
    } finally {
      renameSync(bundle("main.js.orig"), bundle("main.js"));
    }
  });

  it("run.js holds one copy of each module, the registry client and tar code inside a CommonJS function", () => {
    // bin/bundle-run.mjs: esbuild names each lazily set-up module by its path (`__esm({"dist/x.js"() ...`).
    const text = readFileSync(join(dir, "dist", "bundle", "run.js"), "latin1");
    const modules = [...text.matchAll(/__esm\d*\(\{"([^"]+)"/g)].map((m) => m[1] as string);
    expect(modules).toContain("dist/runtime/monitor.js");
    expect(modules).toContain("dist/remote/pull.js");
    expect(modules.filter((m, i) => modules.indexOf(m) !== i)).toEqual([]);
    const lazy = [...text.matchAll(/__commonJS\(\{"run-lazy:([^"]+)"/g)].map((m) => m[1]);
    expect(lazy).toEqual(expect.arrayContaining(["dist/remote/index.js", "dist/archive/index.js"]));
  });

  it("keys caches by the bundle's identity: a changed main.js does not take an old cache", () => {
    const main = join(dir, "dist", "bundle", "main.js");
    const text = readFileSync(main, "latin1");
    rmSync(main);
    writeFileSync(main, text.replace("`wharf version ${", "`wharf  version${"), "latin1");
    expect(wharf("--version")).toBe("wharf  version0.1.0\n");
    expect(caches().filter((n) => n.startsWith("none-"))).toHaveLength(3);
  });
});

describe("dist/bundle/shim-loader.cjs", () => {
  // A keeper for a container that is not there: it reads the record, finds none and ends with 1.
  const shim = () => {
    const args = JSON.stringify({ root: join(dir, "shim-root"), id: "0".repeat(64) });
    return spawnSync(
      process.execPath,
      ["--v8-pool-size=1", join(dir, "dist", "bundle", "shim-loader.cjs"), args],
      {
        encoding: "utf8",
        env: { ...process.env, NODE_EXTRA_CA_CERTS: "", NODE_OPTIONS: "" },
      },
    );
  };
  const shimCaches = () => caches().filter((n) => n.startsWith("shim-"));

  it("runs shim.js, writes its cache when the shim ends, uses it after and writes it again when refused", () => {
    const first = shim();
    expect([first.status, first.stderr]).toEqual([1, ""]);
    expect(shimCaches()).toHaveLength(1);
    const cache = join(cacheDir(), shimCaches()[0] as string);
    const before = statSync(cache);
    expect(before.size).toBeGreaterThan(10_000);
    expect(shim().status).toBe(1);
    // Accepted, so not written again.
    expect(statSync(cache).mtimeMs).toBe(before.mtimeMs);
    writeFileSync(cache, "not a code cache");
    expect(shim().status).toBe(1);
    expect(readFileSync(cache).byteLength).toBeGreaterThan(10_000);
    expect(shimCaches()).toHaveLength(1);
  });
});

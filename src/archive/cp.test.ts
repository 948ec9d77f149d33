import { lstat, mkdir, readFile, readlink, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isWharfError } from "../errors/index.js";
import { tempDirs } from "../files/testing/temp.js";
import {
  hostDestinationInfo,
  hostSourceInfo,
  prepareArchiveCopy,
  preserveTrailingDotOrSeparator,
  rebaseName,
  splitPathDirEntry,
} from "./cp.js";
import { extractTar } from "./extract.js";
import { chunked, makeTar } from "./testing/tar.js";
import { writeTar } from "./write.js";

const temp = tempDirs("wharf-cp-");

describe("docker cp's path rules", () => {
  it("splits and keeps trailing dots and separators as moby does", () => {
    expect(splitPathDirEntry("/a/b")).toEqual({ dir: "/a", base: "b" });
    expect(splitPathDirEntry("/a/b/")).toEqual({ dir: "/a", base: "b" });
    expect(splitPathDirEntry("/a/b/.")).toEqual({ dir: "/a/b", base: "." });
    expect(splitPathDirEntry("/a")).toEqual({ dir: "/", base: "a" });
    expect(preserveTrailingDotOrSeparator("/x/y", "y/.")).toBe("/x/y/.");
    expect(preserveTrailingDotOrSeparator("/x/y", "y/")).toBe("/x/y/");
    expect(preserveTrailingDotOrSeparator("/x/y", "y")).toBe("/x/y");
  });

  const file = { path: "/src/f", exists: true, isDir: false };
  const dir = { path: "/src/d", exists: true, isDir: true };
  it("plans each case of the cp reference", () => {
    // a file to a missing path: created there
    expect(prepareArchiveCopy(file, { path: "/dst/g", exists: false, isDir: false })).toEqual({
      dstDir: "/dst",
      rebase: { from: "f", to: "g" },
    });
    // a file to a missing dir/: error
    expect(() => prepareArchiveCopy(file, { path: "/dst/g/", exists: false, isDir: false })).toThrow(
      "no such directory",
    );
    // a file onto a file: overwritten
    expect(prepareArchiveCopy(file, { path: "/dst/g", exists: true, isDir: false })).toEqual({
      dstDir: "/dst",
      rebase: { from: "f", to: "g" },
    });
    // a file into a directory: under its own name
    expect(prepareArchiveCopy(file, { path: "/dst", exists: true, isDir: true })).toEqual({ dstDir: "/dst" });
    // a directory to a missing path: made there
    expect(prepareArchiveCopy(dir, { path: "/dst/new", exists: false, isDir: false })).toEqual({
      dstDir: "/dst",
      rebase: { from: "d", to: "new" },
    });
    // a directory onto a file: error
    expect(() => prepareArchiveCopy(dir, { path: "/dst/g", exists: true, isDir: false })).toThrow(
      "cannot copy directory",
    );
    // a directory into a directory: as is (`d/.` archives are named `.`: contents)
    expect(prepareArchiveCopy(dir, { path: "/dst", exists: true, isDir: true })).toEqual({ dstDir: "/dst" });
  });

  it("renames the top entry and what is below it, nothing else", () => {
    const r = { from: "d", to: "new" };
    expect(rebaseName("d/", r)).toBe("new/");
    expect(rebaseName("d/x/y", r)).toBe("new/x/y");
    expect(rebaseName("dd/x", r)).toBe("dd/x");
    expect(rebaseName("./a", { from: ".", to: "new" })).toBe("new/a");
  });

  it("resolves host sources and destinations", async () => {
    const d = temp();
    await mkdir(join(d, "real"));
    await writeFile(join(d, "real/f"), "x");
    await symlink("real", join(d, "link"));
    expect(await hostSourceInfo(join(d, "link"), false)).toMatchObject({
      path: join(d, "link"),
      isDir: false,
    });
    expect(await hostSourceInfo(join(d, "link"), true)).toMatchObject({
      path: join(d, "real"),
      isDir: true,
      rebaseName: "link",
    });
    expect(await hostSourceInfo(join(d, "link/"), false)).toMatchObject({ isDir: true, rebaseName: "link" });
    await expect(hostSourceInfo(join(d, "real/f/"), false)).rejects.toThrow(/not a directory/);
    await expect(hostSourceInfo(join(d, "nope"), false)).rejects.toThrow(/no such file or directory/);
    expect(await hostDestinationInfo(join(d, "link"))).toEqual({
      path: join(d, "real"),
      exists: true,
      isDir: true,
    });
    expect(await hostDestinationInfo(join(d, "new"))).toEqual({
      path: join(d, "new"),
      exists: false,
      isDir: false,
    });
    const e = await hostDestinationInfo(join(d, "missing/new")).catch((x: unknown) => x);
    expect(isWharfError(e, "not-found")).toBe(true);
  });
});

describe("extractTar", () => {
  it("merges into directories, replaces files and symlinks, and never leaves the root", async () => {
    const root = temp();
    const outside = temp();
    await writeFile(join(outside, "secret"), "host");
    await mkdir(join(root, "dst/keep"), { recursive: true });
    await writeFile(join(root, "dst/keep/old"), "old");
    await writeFile(join(root, "dst/file"), "before");
    // A symlink in the tree that points out: followed inside the root, as in a chroot.
    await symlink(outside, join(root, "dst/out"));
    await symlink("../../../../..", join(root, "dst/up"));
    const tar = await makeTar([
      { name: "keep/", type: "directory" },
      { name: "keep/new", body: "new", uid: 1234, gid: 4321 },
      { name: "file", body: "after" },
      { name: "out/secret", body: "written" },
      { name: "up/escape", body: "inside" },
      { name: "deep/er/x", body: "parents made" },
    ]);
    const r = await extractTar(chunked(tar), { root, dir: ["dst"], owner: { uid: 0, gid: 0 } });
    expect(r.bytes).toBe(tar.byteLength);
    expect(await readFile(join(outside, "secret"), "utf8")).toBe("host");
    expect(await readFile(join(root, outside, "secret"), "utf8")).toBe("written");
    expect(await readFile(join(root, "escape"), "utf8")).toBe("inside");
    expect(await readFile(join(root, "dst/keep/old"), "utf8")).toBe("old");
    expect(await readFile(join(root, "dst/file"), "utf8")).toBe("after");
    expect(await readFile(join(root, "dst/deep/er/x"), "utf8")).toBe("parents made");
    if (process.getuid?.() === 0) expect((await lstat(join(root, "dst/keep/new"))).uid).toBe(0);
  });

  it("keeps the tar's owners with keep, and refuses to turn a directory into a file", async () => {
    const root = temp();
    const keep = await makeTar([{ name: "f", body: "x", uid: 1234, gid: 4321 }]);
    await extractTar(chunked(keep), { root, dir: [], owner: "keep" });
    if (process.getuid?.() === 0) expect((await lstat(join(root, "f"))).gid).toBe(4321);
    await mkdir(join(root, "d"));
    const bad = await makeTar([{ name: "d", body: "file" }]);
    const e = await extractTar(chunked(bad), { root, dir: [], owner: "caller" }).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/cannot overwrite directory ".*\/d" with non-directory "d"/);
    const bad2 = await makeTar([{ name: "f/", type: "directory" }]);
    const e2 = await extractTar(chunked(bad2), { root, dir: [], owner: "caller" }).catch((x: unknown) => x);
    expect((e2 as Error).message).toMatch(/cannot overwrite non-directory/);
  });

  it("round-trips writeTar's archive of one path, renamed", async () => {
    const src = temp();
    await mkdir(join(src, "d/sub"), { recursive: true });
    await writeFile(join(src, "d/sub/a"), "a");
    await symlink("sub/a", join(src, "d/l"));
    const dst = temp();
    await extractTar(writeTar(src, { only: { path: "d", name: "d" } }), {
      root: dst,
      dir: [],
      owner: "caller",
      rebase: { from: "d", to: "copy" },
    });
    expect(await readFile(join(dst, "copy/sub/a"), "utf8")).toBe("a");
    expect(await readlink(join(dst, "copy/l"))).toBe("sub/a");
    const dot = temp();
    await extractTar(writeTar(join(src, "d"), { only: { path: ".", name: "." } }), {
      root: dot,
      dir: [],
      owner: "caller",
    });
    expect(await readFile(join(dot, "sub/a"), "utf8")).toBe("a");
  });
});

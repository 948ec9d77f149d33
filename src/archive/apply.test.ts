import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { digestOf } from "../digest/index.js";
import { isWharfError } from "../errors/index.js";
import { applyLayer } from "./apply.js";
import { chunked, gzip, makeTar, type TarEntry } from "./testing/tar.js";

let base: string;
let target: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "wharf-archive-"));
  target = join(base, "target");
  await mkdir(target);
  await writeFile(join(base, "sentinel"), "outside");
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function apply(entries: TarEntry[], gz = false) {
  const tar = await makeTar(entries);
  const warnings: string[] = [];
  const result = await applyLayer(chunked(gz ? gzip(tar) : tar), {
    target,
    onWarning: (m) => warnings.push(m),
  });
  return { tar, result, warnings };
}

async function tree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const p = join(dir, name);
    const st = await lstat(p);
    out.push(`${prefix}${name}${st.isDirectory() ? "/" : ""}`);
    if (st.isDirectory()) out.push(...(await tree(p, `${prefix}${name}/`)));
  }
  return out;
}

const asRoot = process.getuid?.() === 0;

describe("applyLayer", () => {
  it("writes files, directories, links and metadata, and reports both digests", async () => {
    const mtime = new Date("2020-01-02T03:04:05Z");
    const { tar, result } = await apply(
      [
        { name: "etc/", type: "directory", mode: 0o750, uid: 7, gid: 8, mtime },
        { name: "etc/conf", body: "hello", mode: 0o4755, uid: 1, gid: 2, mtime },
        { name: "etc/link", type: "symlink", linkname: "conf", mtime },
        { name: "etc/hard", type: "link", linkname: "etc/conf" },
        { name: "/abs/file", body: "absolute names are taken inside" },
        { name: "./dot/./file", body: "dots" },
        { name: "implicit/parent/file", body: "no directory entries" },
        { name: "dev/fifo", type: "fifo", mode: 0o600 },
        { name: "dev/null", type: "character-device", devmajor: 1, devminor: 3, mode: 0o666 },
      ],
      true,
    );
    expect(result.diffId).toBe(digestOf(tar));
    expect(result.digest).toBe(digestOf(gzip(tar)));
    expect(result.size).toBe(gzip(tar).byteLength);
    expect(await readFile(join(target, "etc/conf"), "utf8")).toBe("hello");
    const conf = await stat(join(target, "etc/conf"));
    expect(conf.mode & 0o7777).toBe(0o4755);
    expect(conf.mtime.getTime()).toBe(mtime.getTime());
    const etc = await stat(join(target, "etc"));
    expect(etc.mode & 0o7777).toBe(0o750);
    expect(etc.mtime.getTime()).toBe(mtime.getTime());
    if (asRoot) expect([conf.uid, conf.gid, etc.uid, etc.gid]).toEqual([1, 2, 7, 8]);
    expect(await readlink(join(target, "etc/link"))).toBe("conf");
    expect((await stat(join(target, "etc/hard"))).ino).toBe(conf.ino);
    expect(await readFile(join(target, "abs/file"), "utf8")).toContain("inside");
    expect(await readFile(join(target, "dot/file"), "utf8")).toBe("dots");
    expect(await readFile(join(target, "implicit/parent/file"), "utf8")).toBe("no directory entries");
    if (asRoot) {
      expect((await lstat(join(target, "dev/fifo"))).isFIFO()).toBe(true);
      const dev = await lstat(join(target, "dev/null"));
      expect(dev.isCharacterDevice()).toBe(true);
      expect(dev.rdev).toBe(0x103);
    }
  });

  it("replaces entries of lower layers and writes through symlinks inside the target", async () => {
    await apply([
      { name: "usr/lib/", type: "directory" },
      { name: "lib", type: "symlink", linkname: "usr/lib" },
      { name: "abs", type: "symlink", linkname: "/usr" },
      { name: "x", body: "file" },
      { name: "y/", type: "directory" },
      { name: "y/child", body: "c" },
    ]);
    await apply([
      { name: "lib/a.so", body: "via relative link" },
      { name: "abs/b", body: "via absolute link, resolved in the target" },
      { name: "x/", type: "directory" },
      { name: "y", body: "now a file" },
    ]);
    expect(await readFile(join(target, "usr/lib/a.so"), "utf8")).toBe("via relative link");
    expect(await readFile(join(target, "usr/b"), "utf8")).toContain("absolute");
    expect((await lstat(join(target, "x"))).isDirectory()).toBe(true);
    expect(await readFile(join(target, "y"), "utf8")).toBe("now a file");
  });

  it("applies whiteouts and opaque directories to lower layers only", async () => {
    await apply([
      { name: "a", body: "a" },
      { name: "keep", body: "keep" },
      { name: "d/", type: "directory" },
      { name: "d/x", body: "x" },
      { name: "d/sub/y", body: "y" },
      { name: "e/", type: "directory" },
      { name: "e/old", body: "old" },
      { name: "f/", type: "directory" },
      { name: "f/old", body: "old" },
    ]);
    await apply([
      { name: ".wh.a", body: "" },
      { name: "d/", type: "directory" },
      { name: "d/.wh..wh..opq", body: "" },
      { name: "d/new", body: "new" },
      { name: "d/sub/z", body: "z" },
      { name: ".wh.e", body: "" },
      { name: "e/", type: "directory" },
      { name: "e/fresh", body: "fresh" },
      { name: "f/mine", body: "mine" },
      { name: ".wh.f", body: "" },
      { name: ".wh.missing", body: "" },
    ]);
    expect(await tree(target)).toEqual([
      "d/",
      "d/new",
      "d/sub/",
      "d/sub/z",
      "e/",
      "e/fresh",
      "f/",
      "f/mine",
      "keep",
    ]);
  });

  it("reports skipped extended attributes", async () => {
    const { warnings } = await apply([
      { name: "bin/ping", body: "p", pax: { "SCHILY.xattr.security.capability": "x" } },
    ]);
    expect(warnings.join("\n")).toContain("security.capability");
  });
});

describe("applyLayer refuses to write outside its target", () => {
  const cases: [string, TarEntry[]][] = [
    ["a '..' name", [{ name: "../evil", body: "x" }]],
    ["a '..' inside a name", [{ name: "a/../../evil", body: "x" }]],
    [
      "a write through a symlink that climbs out",
      [
        { name: "up", type: "symlink", linkname: "../.." },
        { name: "up/evil", body: "x" },
      ],
    ],
    [
      "a write through a nested symlink that climbs out",
      [
        { name: "d/", type: "directory" },
        { name: "d/up", type: "symlink", linkname: "../../" },
        { name: "d/up/evil", body: "x" },
      ],
    ],
    ["a hard link with '..'", [{ name: "h", type: "link", linkname: "../sentinel" }]],
    [
      "a hard link through a symlink that climbs out",
      [
        { name: "up", type: "symlink", linkname: ".." },
        { name: "h", type: "link", linkname: "up/sentinel" },
      ],
    ],
    [
      "a hard link to a file that is not in the layer",
      [{ name: "h", type: "link", linkname: "/etc/passwd" }],
    ],
    ["a whiteout with '..'", [{ name: "../.wh.sentinel", body: "" }]],
  ];
  for (const [what, entries] of cases) {
    it(`refuses ${what}`, async () => {
      const before = await tree(base);
      const err = await apply(entries).catch((e: unknown) => e);
      expect(isWharfError(err, "corrupt"), String(err)).toBe(true);
      const after = (await tree(base)).filter((p) => !p.startsWith("target/"));
      expect(after).toEqual(before.filter((p) => !p.startsWith("target/")));
      expect(await readFile(join(base, "sentinel"), "utf8")).toBe("outside");
    });
  }

  it("keeps a symlink to / inside the target (chroot view)", async () => {
    await apply([
      { name: "root", type: "symlink", linkname: "/" },
      { name: "root/etc/passwd", body: "inside" },
      { name: "parent", type: "symlink", linkname: "/.." },
    ]);
    expect(await readFile(join(target, "etc/passwd"), "utf8")).toBe("inside");
    const err = await apply([{ name: "parent/evil", body: "x" }]).catch((e: unknown) => e);
    expect(isWharfError(err, "corrupt")).toBe(true);
    expect(await readdir(base)).toEqual(["sentinel", "target"]);
  });

  it("replaces a final symlink instead of writing through it", async () => {
    await apply([{ name: "s", type: "symlink", linkname: "../sentinel" }]);
    await apply([{ name: "s", body: "replaced" }]);
    expect(await readFile(join(target, "s"), "utf8")).toBe("replaced");
    expect(await readFile(join(base, "sentinel"), "utf8")).toBe("outside");
  });
});

describe("applyLayer verifies", () => {
  it("fails on a digest or diff ID mismatch", async () => {
    const tar = await makeTar([{ name: "f", body: "x" }]);
    const wrong = digestOf("other");
    const e1 = await applyLayer(chunked(tar), { target, expect: { diffId: wrong } }).catch((e: unknown) => e);
    expect(isWharfError(e1, "digest-invalid")).toBe(true);
    const e2 = await applyLayer(chunked(gzip(tar)), { target, expect: { digest: wrong } }).catch(
      (e: unknown) => e,
    );
    expect(isWharfError(e2, "digest-invalid")).toBe(true);
    const ok = await applyLayer(chunked(gzip(tar)), {
      target,
      expect: { digest: digestOf(gzip(tar)), size: gzip(tar).byteLength, diffId: digestOf(tar) },
    });
    expect(ok.entries).toBe(1);
  });

  it("fails on a truncated tar, bad gzip and zstd", async () => {
    const tar = await makeTar([{ name: "f", body: "x".repeat(5000) }]);
    const cut = await applyLayer(chunked(tar.subarray(0, 2000)), { target }).catch((e: unknown) => e);
    expect(isWharfError(cut, "corrupt")).toBe(true);
    const gz = gzip(tar);
    const bad = await applyLayer(chunked(gz.subarray(0, gz.byteLength - 30)), { target }).catch(
      (e: unknown) => e,
    );
    expect(isWharfError(bad, "corrupt")).toBe(true);
    const zstd = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]);
    const z = await applyLayer(chunked(zstd), { target }).catch((e: unknown) => e);
    expect(isWharfError(z, "unsupported")).toBe(true);
  });
});

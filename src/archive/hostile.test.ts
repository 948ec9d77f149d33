import { createHash } from "node:crypto";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isWharfError } from "../errors/index.js";
import { applyLayer } from "./apply.js";
import { chunked, makeTar, type TarEntry } from "./testing/tar.js";

/**
 * Generated hostile layers: whiteouts and opaque markers of every odd name, `..` segments, NUL bytes,
 * very long names, names that differ only by a trailing slash, through symlinks that lead out. Each
 * layer is applied to a target nested inside a sandbox; whatever the applier does with the layer
 * (apply it or refuse it with a WharfError), nothing outside the target may change.
 */

let sandbox: string;
let n = 0;

beforeAll(async () => {
  sandbox = await mkdtemp(join(tmpdir(), "wharf-hostile-"));
});
afterAll(async () => {
  await rm(sandbox, { recursive: true, force: true });
});

/** Path → type, mode, content or link target, for everything under `dir` except `skip`. */
async function snapshot(
  dir: string,
  skip: string,
  out = new Map<string, string>(),
): Promise<Map<string, string>> {
  for (const name of await readdir(dir)) {
    const p = join(dir, name);
    if (p === skip) {
      out.set(relative(sandbox, p), "target");
      continue;
    }
    const st = await lstat(p);
    const key = relative(sandbox, p);
    if (st.isDirectory()) {
      out.set(key, `dir ${st.mode}`);
      await snapshot(p, skip, out);
    } else if (st.isSymbolicLink()) out.set(key, `link ${await readlink(p)}`);
    else
      out.set(
        key,
        `file ${st.mode} ${createHash("sha256")
          .update(await readFile(p))
          .digest("hex")}`,
      );
  }
  return out;
}

/** A fresh world: files around the target at every level above it, and lower content inside. */
async function world(): Promise<{ root: string; target: string }> {
  const root = join(sandbox, String(n++));
  const target = join(root, "a", "b", "target");
  await mkdir(join(target, "sub", "deep"), { recursive: true });
  await writeFile(join(root, "outside"), "outside");
  await writeFile(join(root, "a", "keep"), "keep");
  await mkdir(join(root, "a", "b", "sibling"));
  await writeFile(join(root, "a", "b", "sibling", "file"), "sibling");
  await writeFile(join(root, "a", "b", "targetx"), "shares the target's prefix");
  await writeFile(join(target, "lower"), "lower");
  await writeFile(join(target, "sub", "lower"), "lower");
  await symlink("../..", join(target, "up"));
  await symlink("/", join(target, "slash"));
  await symlink(join(root, "a"), join(target, "hostabs"));
  return { root, target };
}

async function check(label: string, entries: TarEntry[]): Promise<void> {
  const { root, target } = await world();
  const before = await snapshot(root, target);
  let tar: Buffer;
  try {
    tar = await makeTar(entries);
  } catch {
    return; // the tar writer itself refuses this name: there is no layer to apply
  }
  try {
    await applyLayer(chunked(tar), { target, onWarning: () => {} });
  } catch (e) {
    expect(isWharfError(e), `${label}: ${String(e)}`).toBe(true);
  }
  expect(await snapshot(root, target), label).toEqual(before);
}

const WHITEOUTS = [
  ".wh.",
  ".wh..",
  ".wh...",
  ".wh....",
  ".wh..wh..opq",
  ".wh..wh..",
  ".wh..wh.plnk",
  ".wh.up",
  ".wh.slash",
  ".wh.hostabs",
  ".wh.target",
  ".wh.lower",
  ".wh.\u0000x",
  `.wh.${"x".repeat(300)}`,
];
const PREFIXES = [
  "",
  "./",
  "/",
  "sub/",
  "sub/deep/",
  "up/",
  "slash/",
  "hostabs/",
  "sub/../",
  "../",
  "a/../../",
];

describe("hostile layers never change anything outside the target", () => {
  it("whiteouts and opaque markers of every odd name, below every prefix", async () => {
    for (const prefix of PREFIXES) {
      for (const base of WHITEOUTS) {
        await check(`${prefix}${base}`, [{ name: `${prefix}${base}`, body: "" }]);
        await check(`${prefix}${base}/ (dir)`, [{ name: `${prefix}${base}/`, type: "directory" }]);
      }
    }
  });

  it("files, directories and links through '..', NUL and symlinks that lead out", async () => {
    const names = ["..", "../x", "a/../../x", "/../x", "./../x", "x\u0000y", "sub/\u0000", "up/x", "up/up/x"];
    const more = ["slash/etc/x", "hostabs/keep", "hostabs/b/targetx", "up/targetx", "up/b/sibling/file"];
    for (const prefix of PREFIXES) {
      for (const name of [...names, ...more]) {
        const full = `${prefix}${name}`;
        await check(`file ${full}`, [{ name: full, body: "pwned" }]);
        await check(`dir ${full}`, [{ name: `${full}/`, type: "directory", mode: 0o777 }]);
        await check(`symlink ${full}`, [{ name: full, type: "symlink", linkname: "/" }]);
        await check(`hard link ${full}`, [{ name: full, type: "link", linkname: "lower" }]);
        await check(`hard link to ${full}`, [{ name: "h", type: "link", linkname: full }]);
      }
    }
  });

  it("very long names and deep trees", async () => {
    const long = "x".repeat(255);
    const tooLong = "y".repeat(256);
    const deep = Array.from({ length: 1100 }, () => "d").join("/");
    for (const name of [long, tooLong, `${deep}/f`, `sub/${tooLong}/f`, `up/${long}`, `.wh.${tooLong}`]) {
      await check(`long ${name.length}`, [{ name, body: "long" }]);
    }
  });

  it("names that differ only by a trailing slash", async () => {
    const pairs: TarEntry[][] = [
      [
        { name: "dup", body: "file" },
        { name: "dup/", type: "directory" },
        { name: "dup/inner", body: "x" },
      ],
      [
        { name: "dup/", type: "directory" },
        { name: "dup", body: "file" },
      ],
      [
        { name: "up/", type: "directory" },
        { name: "up/x", body: "x" },
      ],
      [
        { name: "sub/", type: "directory" },
        { name: "sub/.wh..wh..opq", body: "" },
        { name: "sub/.wh...", body: "" },
      ],
      [
        { name: "l", type: "symlink", linkname: "../../" },
        { name: "l/", type: "directory" },
        { name: "l/.wh.keep", body: "" },
      ],
    ];
    for (const [i, entries] of pairs.entries()) await check(`pair ${i}`, entries);
  });

  it("refuses whiteouts that name no single entry, and keeps honest ones", async () => {
    const { target } = await world();
    for (const name of [".wh...", ".wh..", ".wh.", "sub/.wh..."]) {
      const tar = await makeTar([{ name, body: "" }]);
      await expect(applyLayer(chunked(tar), { target }), name).rejects.toMatchObject({ code: "corrupt" });
    }
    const ok = await makeTar([
      { name: ".wh.lower", body: "" },
      { name: "sub/.wh..wh..opq", body: "" },
    ]);
    await applyLayer(chunked(ok), { target });
    await expect(lstat(join(target, "lower"))).rejects.toMatchObject({ code: "ENOENT" });
    expect(await readdir(join(target, "sub"))).toEqual([]);
  });
});

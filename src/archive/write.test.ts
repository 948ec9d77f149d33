import { execFileSync } from "node:child_process";
import {
  chown,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bytesOf, collect, digestOf } from "../digest/index.js";
import { applyLayer } from "./apply.js";
import { writeTar } from "./write.js";

let base: string;
let src: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "wharf-write-"));
  src = join(base, "src");
  await mkdir(join(src, "etc/ssl"), { recursive: true });
  await writeFile(join(src, "etc/ssl/cert"), "cert");
  await writeFile(join(src, "etc/hosts"), "127.0.0.1 localhost\n");
  await writeFile(join(src, "setuid"), "su", { mode: 0o4755 });
  await link(join(src, "setuid"), join(src, "etc/hardlink"));
  await symlink("/etc/hosts", join(src, "hosts-link"));
  const long = join(src, "d".repeat(90), "e".repeat(90));
  await mkdir(long, { recursive: true });
  await writeFile(join(long, "f".repeat(120)), "long");
  await symlink(`../${"t".repeat(150)}`, join(src, "long-link"));
  execFileSync("mknod", [join(src, "fifo"), "p"]);
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function tree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const p = join(dir, name);
    const st = await lstat(p);
    const kind = st.isDirectory()
      ? "d"
      : st.isSymbolicLink()
        ? `l ${await readlink(p)}`
        : st.isFIFO()
          ? "p"
          : "f";
    const body = st.isFile() ? await readFile(p, "utf8") : "";
    out.push(
      `${prefix}${name} ${kind} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${st.nlink} ${body}`,
    );
    if (st.isDirectory()) out.push(...(await tree(p, `${prefix}${name}/`)));
  }
  return out;
}

async function tarOf(dir: string, opts?: Parameters<typeof writeTar>[1]): Promise<Buffer> {
  return collect(writeTar(dir, opts), 64 * 1024 * 1024);
}

describe("writeTar", () => {
  it("writes a tree that applyLayer restores identically (links, long names, modes)", async () => {
    const tar = await tarOf(src);
    const out = join(base, "out");
    await mkdir(out);
    const r = await applyLayer(bytesOf(tar), { target: out });
    expect(r.diffId).toBe(digestOf(tar));
    expect(await tree(out)).toEqual(await tree(src));
  });

  it("is deterministic, and with a fixed mtime independent of file times", async () => {
    const a = await tarOf(src);
    expect(digestOf(await tarOf(src))).toBe(digestOf(a));
    const fixed = new Date("2000-01-01T00:00:00Z");
    const b = await tarOf(src, { mtime: fixed });
    await utimes(join(src, "etc/hosts"), new Date(), new Date());
    expect(digestOf(await tarOf(src, { mtime: fixed }))).toBe(digestOf(b));
  });

  it("is readable by GNU tar, entries in byte order", async () => {
    const file = join(base, "layer.tar");
    await writeFile(file, await tarOf(src));
    const names = execFileSync("tar", ["-tf", file], { encoding: "utf8" }).trim().split("\n");
    expect(names).toContain(`${"d".repeat(90)}/${"e".repeat(90)}/${"f".repeat(120)}`);
    expect(names.slice(0, 4)).toEqual([
      `${"d".repeat(90)}/`,
      `${"d".repeat(90)}/${"e".repeat(90)}/`,
      `${"d".repeat(90)}/${"e".repeat(90)}/${"f".repeat(120)}`,
      "etc/",
    ]);
    const verbose = execFileSync("tar", ["-tvf", file], { encoding: "utf8" });
    expect(verbose).toMatch(/etc\/hardlink link to setuid|setuid link to etc\/hardlink/);
  });

  it("turns overlay whiteouts and opaque directories into OCI whiteout entries", async () => {
    const upper = join(base, "upper");
    await mkdir(join(upper, "etc"), { recursive: true });
    execFileSync("mknod", [join(upper, "etc/hosts"), "c", "0", "0"]);
    await mkdir(join(upper, "etc/ssl"));
    await writeFile(join(upper, "etc/ssl/new"), "new");
    const tar = await tarOf(upper, { whiteouts: true, opaqueDirs: new Set(["etc/ssl"]) });
    await applyLayer(bytesOf(tar), { target: src });
    await expect(lstat(join(src, "etc/hosts"))).rejects.toThrow();
    expect(await readdir(join(src, "etc/ssl"))).toEqual(["new"]);
    expect(await readFile(join(src, "setuid"), "utf8")).toBe("su");
  });

  it("keeps ids past the ustar range and sub-second times through PAX records", async () => {
    await chown(join(src, "etc/hosts"), 3_000_000, 3_000_001);
    const tar = await tarOf(src);
    const out = join(base, "out");
    await mkdir(out);
    await applyLayer(bytesOf(tar), { target: out });
    const st = await lstat(join(out, "etc/hosts"));
    expect([st.uid, st.gid]).toEqual([3_000_000, 3_000_001]);
    const file = join(base, "layer.tar");
    await writeFile(file, tar);
    expect(execFileSync("tar", ["-tvf", file, "etc/hosts"], { encoding: "utf8" })).toContain(
      "3000000/3000001",
    );
  });

  it("leaves out excluded paths", async () => {
    const tar = await tarOf(src, { exclude: (p) => p === "etc" });
    const out = join(base, "out");
    await mkdir(out);
    await applyLayer(bytesOf(tar), { target: out });
    expect(await readdir(out)).not.toContain("etc");
    expect(await readdir(out)).toContain("setuid");
  });
});

import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { describe, expect, it } from "vitest";
import { decompressed } from "../../archive/index.js";
import { bytesOf } from "../../digest/index.js";
import { contentSize } from "./layer-sizes.js";

type Header = Parameters<ReturnType<typeof pack>["entry"]>[0];

async function tarOf(entries: Header[], data: Record<string, string>): Promise<Buffer> {
  const p = pack();
  for (const e of entries) {
    if (e.type === "file") p.entry(e, data[e.name] ?? "");
    else p.entry(e);
  }
  p.finalize();
  const parts: Buffer[] = [];
  for await (const c of p as unknown as AsyncIterable<Buffer>) parts.push(c);
  return Buffer.concat(parts);
}

describe("contentSize", () => {
  it("counts files and symlink targets as overlay2 measures a diff dir: not dirs, hard links or whiteouts", async () => {
    const tar = await tarOf(
      [
        { name: "bin", type: "directory" },
        { name: "bin/busybox", type: "file", size: 10 },
        { name: "bin/sh", type: "symlink", linkname: "busybox" },
        { name: "bin/ls", type: "link", linkname: "bin/busybox" },
        { name: "etc/.wh.passwd", type: "file", size: 0 },
        { name: "dev/null", type: "character-device", devmajor: 1, devminor: 3 },
        { name: "x/é.txt", type: "file", size: 4 },
      ],
      { "bin/busybox": "0123456789", "x/é.txt": "abcd" },
    );
    expect(await contentSize(bytesOf(tar))).toBe(10 + "busybox".length + 4);
    expect(await contentSize(decompressed(bytesOf(gzipSync(tar))))).toBe(21);
  });

  it("fails on a broken tar", async () => {
    await expect(contentSize(decompressed(bytesOf(gzipSync(Buffer.alloc(700, 7)))))).rejects.toThrow();
  });
});

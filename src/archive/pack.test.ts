import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { extract, type Header } from "tar-stream";
import { describe, expect, it } from "vitest";
import { collect } from "../digest/index.js";
import { tempDirs } from "../files/testing/temp.js";
import { compareTarPaths, packEntries } from "./pack.js";

const temp = tempDirs("wharf-pack-");

async function entries(tar: Buffer): Promise<{ h: Header; body: string }[]> {
  const out: { h: Header; body: string }[] = [];
  const ex = extract();
  const done = (async () => {
    for await (const e of ex) {
      const chunks: Buffer[] = [];
      for await (const c of e) chunks.push(c as Buffer);
      out.push({ h: e.header, body: Buffer.concat(chunks).toString() });
    }
  })();
  ex.end(tar);
  await done;
  return out;
}

describe("packEntries", () => {
  it("writes a list as writeTar would: walk order, metadata as given, files read from disk", async () => {
    const dir = temp();
    const small = join(dir, "small");
    const big = join(dir, "big");
    writeFileSync(small, "tiny");
    writeFileSync(big, Buffer.alloc((1 << 20) + 10, 7));
    const t = new Date("2024-05-01T00:00:00Z");
    const tar = await collect(
      packEntries([
        {
          name: "b/file",
          type: "file",
          mode: 0o640,
          uid: 1,
          gid: 2,
          mtime: t,
          source: { path: small, size: 4 },
        },
        {
          name: "a-c",
          type: "file",
          mode: 0o644,
          uid: 0,
          gid: 0,
          mtime: t,
          source: { data: Buffer.from("inline") },
        },
        { name: "a", type: "directory", mode: 0o755, uid: 0, gid: 0, mtime: t },
        {
          name: "a/big",
          type: "file",
          mode: 0o600,
          uid: 9_000_000,
          gid: 0,
          mtime: t,
          source: { path: big, size: (1 << 20) + 10 },
        },
        { name: "b", type: "directory", mode: 0o1777, uid: 0, gid: 0, mtime: t },
        { name: "b/link", type: "symlink", mode: 0o777, uid: 0, gid: 0, mtime: t, linkname: "file" },
      ]),
      1 << 30,
    );
    const got = await entries(tar);
    expect(got.map((e) => e.h.name)).toEqual(["a/", "a/big", "a-c", "b/", "b/file", "b/link"]);
    const byName = new Map(got.map((e) => [e.h.name, e]));
    expect(byName.get("b/file")).toMatchObject({ body: "tiny", h: { mode: 0o640, uid: 1, gid: 2 } });
    expect(byName.get("a-c")?.body).toBe("inline");
    expect(byName.get("a/big")?.body.length).toBe((1 << 20) + 10);
    const bigHeader = byName.get("a/big")?.h as { pax?: Record<string, string> } | undefined;
    expect(bigHeader?.pax?.uid).toBe("9000000");
    expect(byName.get("b/")?.h.mode).toBe(0o1777);
    expect(byName.get("b/link")?.h.linkname).toBe("file");
    expect(byName.get("b/file")?.h.mtime?.toISOString()).toBe(t.toISOString());
    // The same list always gives the same bytes.
    const one = () =>
      collect(
        packEntries([{ name: "x", type: "directory", mode: 0o755, uid: 0, gid: 0, mtime: t }]),
        1 << 20,
      );
    const [again, twice] = [await one(), await one()];
    expect(again.equals(twice)).toBe(true);
  });

  it("orders paths component by component", () => {
    expect(["a-c", "a/b", "a", "b"].sort(compareTarPaths)).toEqual(["a", "a/b", "a-c", "b"]);
  });
});

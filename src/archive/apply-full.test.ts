import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { type SmallDisk, smallDisk } from "../files/testing/small-disk.js";
import { applyLayer } from "./apply.js";
import { chunked, gzip, makeTar } from "./testing/tar.js";

let disk: SmallDisk | undefined;
afterAll(() => disk?.close());

describe("applyLayer on a full disk", () => {
  it("fails with the filesystem's ENOSPC and a hint, not a hang nor an invalid layer", async () => {
    disk = smallDisk("256k");
    const big = randomBytes(1536 * 1024).toString("base64");
    const tar = await makeTar([
      { name: "a.txt", body: "small\n" },
      { name: "big.txt", body: big },
    ]);
    // Before the fix the apply never settled: the feed waited for a 'drain' of a destroyed stream.
    const failure = await applyLayer(chunked(gzip(tar), 16 * 1024), { target: disk.dir }).catch((e) => e);
    expect(failure).toMatchObject({ code: "io", message: "ENOSPC: no space left on device, write" });
    expect(failure.hint).toMatch(/^no space is left on the disk being written \(wharf's --root/);
  }, 20_000);
});

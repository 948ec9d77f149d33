import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { digestOf } from "../../digest/index.js";
import { fsDriver } from "../driver/fs.js";
import { memoryDriver } from "../driver/memory.js";
import type { StorageDriver } from "../driver/types.js";
import { startTestRegistry } from "../testing/server.js";

/** An upload finished (PUT) or continued (PATCH) while it is cancelled (DELETE): no 5xx. */
async function cancelRace(driver: StorageDriver): Promise<string[]> {
  const reg = await startTestRegistry({ driver });
  const wrong: string[] = [];
  try {
    for (let i = 0; i < 60; i++) {
      const body = Buffer.from(`upload ${i} `.repeat(1000));
      const post = await fetch(`${reg.url}/v2/c/app/blobs/uploads/`, { method: "POST" });
      const location = new URL(post.headers.get("location") ?? "", reg.url);
      const finish = new URL(location);
      finish.searchParams.set("digest", digestOf(body));
      const [done, cancelled] = await Promise.all([
        i % 2 === 0 ? fetch(finish, { method: "PUT", body }) : fetch(location, { method: "PATCH", body }),
        fetch(location, { method: "DELETE" }),
      ]);
      const a = `${done.status} ${await done.text()}`;
      const b = `${cancelled.status} ${await cancelled.text()}`;
      if (!/^(201|202|404|416) /.test(a)) wrong.push(`finish: ${a}`);
      if (!/^(204|404) /.test(b)) wrong.push(`cancel: ${b}`);
    }
  } finally {
    await reg.close();
  }
  return wrong;
}

describe("an upload cancelled while it is written", () => {
  it("memory driver", async () => {
    expect(await cancelRace(memoryDriver())).toEqual([]);
  });
  it("filesystem driver", async () => {
    const root = await mkdtemp(join(tmpdir(), "wharf-cancel-"));
    try {
      expect(await cancelRace(fsDriver({ root }))).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

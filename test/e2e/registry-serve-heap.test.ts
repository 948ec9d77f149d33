// `wharf registry serve` through bin/wharf, as users start it: Node runs with 1 MiB V8 semi-spaces
// (the young generation was ~35 MB of a replica's peak RSS while pushing; V8 reads the flag only at
// start-up, so bin/wharf passes it), with a thread pool of 16 (bin/wharf.cjs: uploads' writes and
// their early write-backs go through it) unless UV_THREADPOOL_SIZE says otherwise, and serves.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Distribution, startConfiguredServer } from "../../src/registry/testing/distribution.js";
import { REPO_ROOT } from "./helpers/registries.js";

describe("bin/wharf registry serve", () => {
  let reg: Distribution;
  beforeAll(async () => {
    reg = await startConfiguredServer({
      prefix: "wharf-e2e-heap-",
      serve: (config) => ({
        command: join(REPO_ROOT, "bin", "wharf"),
        args: ["registry", "serve", "--config", config],
      }),
    });
  });
  afterAll(async () => {
    await reg?.close();
  });

  it("runs Node with 1 MiB semi-spaces and answers /v2/", async () => {
    const argv = readFileSync(`/proc/${reg.pid}/cmdline`, "utf8").split("\0");
    expect(argv.slice(0, 3)).toEqual([
      "node",
      "--max-semi-space-size=1",
      "--no-concurrent-array-buffer-sweeping",
    ]);
    expect(argv).toContain("serve");
    const res = await fetch(`${reg.url}/v2/`);
    expect(res.status).toBe(200);
  });

  it("runs with a pool of 16 threads; UV_THREADPOOL_SIZE set by the user is kept", async () => {
    const small = await startConfiguredServer({
      prefix: "wharf-e2e-pool-",
      serve: (config) => ({
        command: join(REPO_ROOT, "bin", "wharf"),
        args: ["registry", "serve", "--config", config],
        env: { ...process.env, UV_THREADPOOL_SIZE: "4" },
      }),
    });
    try {
      // An upload, so that the pool has started in both (its threads start all at once).
      for (const r of [reg, small]) await pushBlob(r.url, Buffer.alloc(3 << 20, 7));
      const threads = (pid: number) => readdirSync(`/proc/${pid}/task`).length;
      // Node's own threads (main, V8's platform workers, the signal watcher) are fewer than 12.
      expect(threads(reg.pid)).toBeGreaterThanOrEqual(16 + 1);
      expect(threads(small.pid)).toBeLessThan(16);
    } finally {
      await small.close();
    }
  });
});

/** A monolithic upload of `data` to repository `pool/test`. */
async function pushBlob(url: string, data: Buffer): Promise<void> {
  const digest = `sha256:${createHash("sha256").update(data).digest("hex")}`;
  const start = await fetch(`${url}/v2/pool/test/blobs/uploads/`, { method: "POST" });
  expect(start.status).toBe(202);
  const at = new URL(start.headers.get("location") ?? "", url);
  at.searchParams.set("digest", digest);
  const put = await fetch(at, { method: "PUT", body: data });
  expect(put.status).toBe(201);
}

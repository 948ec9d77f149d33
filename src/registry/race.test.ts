import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Digest, digestOf } from "../digest/index.js";
import { fsDriver } from "./driver/fs.js";
import { memoryDriver } from "./driver/memory.js";
import type { StorageDriver } from "./driver/types.js";
import { prng } from "./testing/prng.js";
import { imageManifest, type Pushed } from "./testing/push.js";
import { startTestRegistry, type TestRegistry } from "./testing/server.js";

/**
 * Uploads, mounts, blob deletes, manifest PUTs and manifest and tag deletes on a few shared blobs,
 * all at once: through one registry on the memory driver, and through two registries on one
 * directory (two processes sharing it). Every request must get a non-5xx answer from the set its
 * operation allows, and after each round every tag must name a manifest whose blobs are all linked:
 * as the registry that served the round sees it (its caches included), and, for the shared
 * directory, as a fresh registry reads it from storage (a process's caches may lag behind what
 * another process wrote by their time to live; that is their documented bound).
 */

const REPO = "race/app";
const OTHER = "race/other";
const TAGS = ["t0", "t1", "t2"];

const blob = (text: string): Pushed => {
  const body = Buffer.from(text);
  return { digest: digestOf(body), body };
};

interface Op {
  what: string;
  allowed: number[];
  run(url: string): Promise<Response>;
}

async function upload(url: string, b: Pushed, monolithic: boolean): Promise<Response> {
  if (monolithic) {
    return fetch(`${url}/v2/${REPO}/blobs/uploads/?digest=${b.digest}`, { method: "POST", body: b.body });
  }
  const post = await fetch(`${url}/v2/${REPO}/blobs/uploads/`, { method: "POST" });
  await post.arrayBuffer();
  if (post.status !== 202) return post;
  const target = new URL(post.headers.get("location") ?? "", url);
  target.searchParams.set("digest", b.digest);
  return fetch(target, { method: "PUT", body: b.body });
}

function operations(rand: () => number, configs: Pushed[], layers: Pushed[]): Op[] {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const blobs = [...configs, ...layers];
  const ops: Op[] = [];
  for (let i = 0; i < 40; i++) {
    const r = rand();
    const b = pick(blobs);
    if (r < 0.2) {
      const mono = rand() < 0.5;
      ops.push({ what: `upload ${b.digest}`, allowed: [201], run: (u) => upload(u, b, mono) });
    } else if (r < 0.3) {
      const from = rand() < 0.5 ? `&from=${OTHER}` : "";
      ops.push({
        what: `mount ${b.digest}${from}`,
        // 201 when mounted, 202 (an upload session) when the source does not hold the blob.
        allowed: [201, 202],
        run: (u) => fetch(`${u}/v2/${REPO}/blobs/uploads/?mount=${b.digest}${from}`, { method: "POST" }),
      });
    } else if (r < 0.5) {
      ops.push({
        what: `delete blob ${b.digest}`,
        // 202 deleted; 404 not linked; 405 a manifest of the repository still references it.
        allowed: [202, 404, 405],
        run: (u) => fetch(`${u}/v2/${REPO}/blobs/${b.digest}`, { method: "DELETE" }),
      });
    } else if (r < 0.8) {
      const config = pick(configs);
      const chosen = layers.filter(() => rand() < 0.6);
      const doc = imageManifest(config, chosen.length ? chosen : [pick(layers)]);
      const ref = rand() < 0.8 ? pick(TAGS) : digestOf(Buffer.from(JSON.stringify(doc)));
      ops.push({
        what: `put manifest ${ref}`,
        // 201 stored; 400 MANIFEST_BLOB_UNKNOWN when a blob is not (or no longer) linked.
        allowed: [201, 400],
        run: (u) =>
          fetch(`${u}/v2/${REPO}/manifests/${ref}`, {
            method: "PUT",
            headers: { "Content-Type": "application/vnd.oci.image.manifest.v1+json" },
            body: JSON.stringify(doc),
          }),
      });
    } else if (r < 0.9) {
      const tag = pick(TAGS);
      ops.push({
        what: `delete manifest of ${tag}`,
        allowed: [202, 404],
        run: async (u) => {
          const head = await fetch(`${u}/v2/${REPO}/manifests/${tag}`, { method: "HEAD" });
          const d = head.headers.get("docker-content-digest");
          if (head.status !== 200 || !d) return head;
          return fetch(`${u}/v2/${REPO}/manifests/${d}`, { method: "DELETE" });
        },
      });
    } else {
      const tag = pick(TAGS);
      ops.push({
        what: `delete tag ${tag}`,
        allowed: [202, 404],
        run: (u) => fetch(`${u}/v2/${REPO}/manifests/${tag}`, { method: "DELETE" }),
      });
    }
  }
  return ops;
}

/** Every tag of the repository names a manifest whose config and layers are all linked. */
async function checkTags(url: string): Promise<string[]> {
  const problems: string[] = [];
  const list = await fetch(`${url}/v2/${REPO}/tags/list`);
  if (list.status === 404) return problems;
  const { tags } = (await list.json()) as { tags: string[] | null };
  for (const tag of tags ?? []) {
    const res = await fetch(`${url}/v2/${REPO}/manifests/${tag}`);
    if (res.status !== 200) {
      problems.push(`tag ${tag}: manifest GET answered ${res.status}`);
      await res.arrayBuffer();
      continue;
    }
    const m = (await res.json()) as { config: { digest: Digest }; layers: { digest: Digest }[] };
    for (const d of [m.config.digest, ...m.layers.map((l) => l.digest)]) {
      const head = await fetch(`${url}/v2/${REPO}/blobs/${d}`, { method: "HEAD" });
      if (head.status !== 200) problems.push(`tag ${tag}: blob ${d} answered ${head.status}`);
    }
  }
  return problems;
}

async function race(
  driver: StorageDriver,
  opts: { seed: number; rounds: number; registries: number },
): Promise<void> {
  const { seed, rounds } = opts;
  const regs: TestRegistry[] = [];
  for (let i = 0; i < opts.registries; i++) regs.push(await startTestRegistry({ driver }));
  // With several registries on one storage, a fresh one reads what is stored; with one, itself.
  const checker = opts.registries > 1 ? await startTestRegistry({ driver }) : undefined;
  try {
    const configs = [0, 1].map((i) => blob(JSON.stringify({ architecture: "amd64", os: "linux", i })));
    const layers = [0, 1, 2, 3].map((i) => blob(`layer ${i} `.repeat(50 + i)));
    // The other repository holds every blob, as a mount source.
    for (const b of [...configs, ...layers]) {
      const res = await fetch(`${regs[0]?.url}/v2/${OTHER}/blobs/uploads/?digest=${b.digest}`, {
        method: "POST",
        body: b.body,
      });
      expect(res.status).toBe(201);
    }
    const rand = prng(seed);
    const wrong: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const ops = operations(rand, configs, layers);
      const urls = ops.map(() => regs[Math.floor(rand() * regs.length)]?.url ?? "");
      await Promise.all(
        ops.map(async (op, i) => {
          const res = await op.run(urls[i] ?? "");
          const text = await res.text();
          if (!op.allowed.includes(res.status)) wrong.push(`${op.what}: ${res.status} ${text}`);
        }),
      );
      const problems = await checkTags((checker ?? regs[0])?.url ?? "");
      if (problems.length) wrong.push(`after round ${round} (seed ${seed}): ${problems.join("; ")}`);
      if (wrong.length) break;
    }
    expect(wrong, `seed ${seed}`).toEqual([]);
  } finally {
    for (const reg of [...regs, ...(checker ? [checker] : [])]) await reg.close();
  }
}

describe("registry under concurrent uploads, mounts, deletes and manifest PUTs", () => {
  const seed = Number(process.env.WHARF_RACE_SEED ?? Date.now() % 100_000);
  const rounds = Number(process.env.WHARF_RACE_ROUNDS ?? 25);

  it("memory driver, one registry: no 5xx, no tag naming a manifest with unlinked blobs", async () => {
    await race(memoryDriver(), { seed, rounds, registries: 1 });
  }, 60_000);

  it("filesystem driver shared by two registries: no 5xx, no tag naming a manifest with unlinked blobs", async () => {
    const root = await mkdtemp(join(tmpdir(), "wharf-race-"));
    try {
      await race(fsDriver({ root }), { seed, rounds, registries: 2 });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);
});

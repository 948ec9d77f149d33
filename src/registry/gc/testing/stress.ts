import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import { makeTar } from "../../../archive/testing/tar.js";
import { type Digest, digestOf } from "../../../digest/index.js";
import { validateRegistry } from "../../../images/testing/validate.js";
import { MediaType } from "../../../oci/index.js";
import { createTransport } from "../../../remote/index.js";
import type { StorageDriver } from "../../driver/types.js";
import { layout } from "../../layout.js";
import { startRegistry } from "../../listen.js";
import { createStore, listIfExists } from "../../store/store.js";
import { prng } from "../../testing/prng.js";
import { type CollectResult, garbageCollect } from "../collect.js";
import { mark } from "../mark.js";
import { startCollector } from "../periodic.js";

/**
 * The garbage-collection stress: for a bounded time, pushes of images that share layers (each
 * request to either replica, as behind a load balancer), tag moves and manifest deletes run while
 * both replicas collect again and again (one of them with --delete-untagged). Every answer must be
 * one its operation allows, and every push must land on its first try. Then a last collection, and
 * the checks: every tag pulls whole through the client, and no blob is left that nothing references.
 */
export interface StressOptions {
  /** Two drivers over the same storage (one per replica). */
  drivers: [StorageDriver, StorageDriver];
  durationMs: number;
  /** The collections' grace period: pushes here take far less. */
  graceMs: number;
  intervalMs: number;
  workers: number;
  seed: number;
}

export interface StressReport {
  pushes: number;
  /** The longest push (all its requests): the grace period must exceed it. */
  slowestPushMs: number;
  deletes: number;
  collections: number;
  blobsDeleted: number;
  manifestsDeleted: number;
  /** Blobs or manifests a collection spared because a push was using them. */
  spared: number;
  /** Writer requests that met a published doom batch (and checked it for their digests). */
  doomChecks: number;
  problems: string[];
  /** Tags validated at the end, and blobs re-hashed doing so. */
  tags: number;
  blobsValidated: number;
  /** Blobs in storage that nothing references, after the last collection. */
  unreferenced: string[];
  leftovers: string[];
  last: CollectResult;
}

interface Layer {
  body: Buffer;
  digest: Digest;
  diffId: Digest;
}

const REPOS = ["s/one", "s/two", "s/three"];
const TAGS = ["t0", "t1", "t2", "t3"];

async function layers(n: number): Promise<Layer[]> {
  const out: Layer[] = [];
  for (let i = 0; i < n; i++) {
    const tar = await makeTar([{ name: `f${i}`, body: `layer ${i}\n`.repeat(50 + i) }]);
    const body = gzipSync(tar);
    out.push({ body, digest: digestOf(body), diffId: digestOf(tar) });
  }
  return out;
}

export async function runStress(opts: StressOptions): Promise<StressReport> {
  const rand = prng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  // Writers that looked at a collection's doom files while one was published.
  let doomChecks = 0;
  const watched = (inner: StorageDriver): StorageDriver => ({
    ...inner,
    async list(...args: Parameters<StorageDriver["list"]>) {
      const out = await inner.list(...args);
      if (args[0] === layout.gcDoomed && out.length > 0) doomChecks++;
      return out;
    },
  });
  const replicas = await Promise.all(
    opts.drivers.map((driver) =>
      startRegistry({ driver: watched(driver), deleteEnabled: true, purgeUploads: false }),
    ),
  );
  const urls = replicas.map((r) => r.url);
  // Layers shared by many images; some used rarely, so that they turn to garbage and come back.
  const pool = await layers(24);
  const report: StressReport = {
    pushes: 0,
    slowestPushMs: 0,
    deletes: 0,
    collections: 0,
    blobsDeleted: 0,
    manifestsDeleted: 0,
    spared: 0,
    doomChecks: 0,
    problems: [],
    tags: 0,
    blobsValidated: 0,
    unreferenced: [],
    leftovers: [],
    last: { marked: 0, blobsEligible: 0, manifestsEligible: 0, blobsDeleted: 0, manifestsDeleted: 0 },
  };
  const expect = async (what: string, res: Response, allowed: number[]): Promise<number> => {
    await res.arrayBuffer();
    if (!allowed.includes(res.status)) report.problems.push(`${what}: ${res.status}`);
    return res.status;
  };

  const sendBlob = async (repo: string, body: Buffer, d: Digest): Promise<void> => {
    if (
      (await expect(
        `HEAD ${d}`,
        await fetch(`${pick(urls)}/v2/${repo}/blobs/${d}`, { method: "HEAD" }),
        [200, 404],
      )) === 200
    )
      return;
    if (rand() < 0.4) {
      const from = pick(REPOS.filter((r) => r !== repo));
      const url = `${pick(urls)}/v2/${repo}/blobs/uploads/?mount=${d}&from=${from}`;
      if ((await expect(`mount ${d}`, await fetch(url, { method: "POST" }), [201, 202])) === 201) return;
    }
    const url = `${pick(urls)}/v2/${repo}/blobs/uploads/?digest=${d}`;
    await expect(`upload ${d}`, await fetch(url, { method: "POST", body }), [201]);
  };

  const push = async () => {
    const started = Date.now();
    const repo = pick(REPOS);
    const chosen = [...new Set([0, 1, 2].map(() => pool[Math.floor(rand() ** 2 * pool.length)] as Layer))];
    // Few distinct configs: the same manifests come back, after their tags moved or they were deleted.
    const n = Math.floor(rand() * 40);
    const config = Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        n,
        rootfs: { type: "layers", diff_ids: chosen.map((l) => l.diffId) },
      }),
    );
    await sendBlob(repo, config, digestOf(config));
    for (const l of chosen) await sendBlob(repo, l.body, l.digest);
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: digestOf(config), size: config.length },
      layers: chosen.map((l) => ({
        mediaType: MediaType.ociLayerGzip,
        digest: l.digest,
        size: l.body.length,
      })),
    };
    const res = await fetch(`${pick(urls)}/v2/${repo}/manifests/${pick(TAGS)}`, {
      method: "PUT",
      headers: { "Content-Type": MediaType.ociManifest },
      body: JSON.stringify(manifest),
    });
    if ((await expect(`PUT ${repo}`, res, [201])) === 201) report.pushes++;
    report.slowestPushMs = Math.max(report.slowestPushMs, Date.now() - started);
  };

  const remove = async () => {
    const repo = pick(REPOS);
    const head = await fetch(`${pick(urls)}/v2/${repo}/manifests/${pick(TAGS)}`, {
      method: "HEAD",
      headers: { Accept: MediaType.ociManifest },
    });
    if ((await expect(`HEAD manifest ${repo}`, head, [200, 404])) !== 200) return;
    const d = head.headers.get("docker-content-digest");
    const del = await fetch(`${pick(urls)}/v2/${repo}/manifests/${d}`, { method: "DELETE" });
    if ((await expect(`DELETE ${d}`, del, [202, 404])) === 202) report.deletes++;
  };

  const collectors = opts.drivers.map((driver, i) =>
    startCollector({
      driver,
      intervalMs: opts.intervalMs,
      graceMs: opts.graceMs,
      deleteUntagged: i === 1,
      emit: (l) => {
        if (l.includes(" kept, ")) report.spared++;
      },
      onRun: ({ result, error }) => {
        if (error !== undefined)
          report.problems.push(`collection: ${error instanceof Error ? error.message : error}`);
        if (!result) return;
        report.collections++;
        report.blobsDeleted += result.blobsDeleted;
        report.manifestsDeleted += result.manifestsDeleted;
      },
    }),
  );
  const deadline = Date.now() + opts.durationMs;
  try {
    await Promise.all(
      Array.from({ length: opts.workers }, async () => {
        while (Date.now() < deadline) {
          if (rand() < 0.75) await push();
          else await remove();
        }
      }),
    );
  } finally {
    for (const c of collectors) await c.stop();
    for (const r of replicas) await r.close();
  }
  report.doomChecks = doomChecks;

  // The last collection, once everything is older than the grace period, from nobody's caches.
  // (+1.1 s: object stores keep modification times in whole seconds.)
  await sleep(opts.graceMs + 1_100);
  const [driver] = opts.drivers;
  report.last = await garbageCollect(driver, { deleteUntagged: true });
  const store = createStore(driver);
  const { marked } = await mark(store, { deleteUntagged: false, cutoff: 0, emit: () => {} });
  for (const alg of await listIfExists(driver, layout.blobs)) {
    for (const prefix of await listIfExists(driver, alg)) {
      for (const dir of await listIfExists(driver, prefix)) {
        const d = `${alg.split("/").at(-1)}:${dir.split("/").at(-1)}` as Digest;
        if (!marked.has(d)) report.unreferenced.push(d);
      }
    }
  }
  for (const p of [layout.gcRuns, layout.gcDoomed, layout.pending])
    report.leftovers.push(...(await listIfExists(driver, p)));

  const fresh = await startRegistry({ driver, purgeUploads: false });
  const t = createTransport(fresh.host);
  try {
    for (const repo of REPOS) {
      const list = await fetch(`${fresh.url}/v2/${repo}/tags/list`);
      const tags = list.status === 200 ? (((await list.json()) as { tags: string[] | null }).tags ?? []) : [];
      for (const tag of tags) {
        report.blobsValidated += (await validateRegistry({ transport: t, path: repo }, tag)).blobs;
        report.tags++;
      }
    }
  } finally {
    t.close();
    await fresh.close();
  }
  return report;
}

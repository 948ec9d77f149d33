import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fsDriver } from "../../src/registry/driver/fs.js";
import { mark } from "../../src/registry/gc/mark.js";
import { createStore } from "../../src/registry/store/store.js";
import {
  DISTRIBUTION_BIN,
  freePort,
  registryConfigYaml,
  type Server,
  spawnServer,
} from "../../src/registry/testing/distribution.js";
import { addImage } from "./helpers/layout.js";
import { WHARF_BIN } from "./helpers/registries.js";
import { skopeo } from "./helpers/tools.js";
import { validateOnRegistry } from "./helpers/validate.js";

/**
 * `wharf registry garbage-collect` as users run it (the built CLI), against Distribution's on one
 * directory, and online collection in two `wharf registry serve` processes over one directory while
 * skopeo pushes and deletes through both.
 */
const exec = promisify(execFile);
let dir: string;
const src = () => join(dir, "src");
const TAGS = ["i0", "i1", "i2", "i3", "i4", "i5", "i6", "i7"];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "wharf-e2e-gc-"));
  for (const tag of TAGS) {
    await addImage(src(), {
      tag,
      gzip: 1,
      layers: [[{ name: "a.bin", random: 40_000 }], [{ name: "b.bin", random: 20_000 }]],
    });
  }
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function serve(root: string, extraYaml?: string): Promise<Server> {
  const port = await freePort();
  const config = join(dir, `serve-${port}.yml`);
  await writeFile(config, registryConfigYaml(root, port, extraYaml ? { extraYaml } : {}));
  return spawnServer({
    command: process.execPath,
    args: [WHARF_BIN, "registry", "serve", "--config", config],
    env: { ...process.env, REGISTRY_LOG_LEVEL: "info" },
    port,
  });
}

async function configFor(root: string): Promise<string> {
  const config = join(dir, `gc-${Math.random().toString(36).slice(2)}.yml`);
  await writeFile(config, registryConfigYaml(root, 5000));
  return config;
}

const wharfGc = async (root: string, ...flags: string[]) =>
  (await exec(process.execPath, [WHARF_BIN, "registry", "garbage-collect", ...flags, await configFor(root)]))
    .stdout;
const distributionGc = async (root: string, ...flags: string[]) =>
  (await exec(DISTRIBUTION_BIN, ["garbage-collect", ...flags, await configFor(root)])).stdout;

const lines = (out: string) => out.split("\n").slice(0, -1).sort();

async function blobsLeft(root: string): Promise<string[]> {
  const base = join(root, "docker/registry/v2/blobs");
  const out: string[] = [];
  for (const e of await readdir(base, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name === "data") out.push(e.parentPath.slice(base.length));
  }
  return out.sort();
}

const push = (host: string, tag: string, to: string) =>
  skopeo("copy", "--dest-tls-verify=false", `oci:${src()}:${tag}`, `docker://${host}/${to}`);

describe("wharf registry garbage-collect", () => {
  it("prints and deletes what Distribution's does, on a directory skopeo pushed to wharf", async () => {
    const root = join(dir, "one");
    const reg = await serve(root);
    try {
      await push(reg.host, "i0", "e2e/gc:v1");
      await push(reg.host, "i1", "e2e/gc:v2");
      await push(reg.host, "i2", "e2e/gc:v2"); // moves v2: i1 is untagged
      await push(reg.host, "i3", "e2e/other:gone");
      await skopeo("delete", "--tls-verify=false", `docker://${reg.host}/e2e/other:gone`);
    } finally {
      await reg.stop();
    }
    const copy = join(dir, "two");
    await exec("cp", ["-a", root, copy]);
    expect(lines(await wharfGc(copy, "--dry-run"))).toEqual(lines(await distributionGc(root, "--dry-run")));
    const ours = await wharfGc(copy, "-m");
    expect(lines(ours)).toEqual(lines(await distributionGc(root, "-m")));
    expect(ours).toMatch(/\n\n\d+ blobs marked, 8 blobs and 1 manifests eligible for deletion\n/);
    expect(await blobsLeft(copy)).toEqual(await blobsLeft(root));
    const again = await serve(copy);
    try {
      for (const tag of ["v1", "v2"])
        expect((await validateOnRegistry(again.host, "e2e/gc", tag)).diffIds).toBe(2);
    } finally {
      await again.stop();
    }
  }, 120_000);

  it("refuses to run without a config (a usage error), or with a bad --grace (Error and Hint)", async () => {
    const none = await exec(process.execPath, [WHARF_BIN, "registry", "garbage-collect"]).catch((e) => e);
    expect(none.code).toBe(125);
    expect(none.stderr).toMatch(
      /needs the registry's config file\nSee 'wharf registry garbage-collect --help'/,
    );
    const bad = await exec(process.execPath, [
      WHARF_BIN,
      "registry",
      "garbage-collect",
      "--grace",
      "soon",
      await configFor(join(dir, "empty")),
    ]).catch((e) => e);
    expect(bad.stderr).toMatch(/^Error: invalid duration for --grace: "soon"\nHint: /m);
  });
});

describe("online garbage collection in two registry serve processes on one directory", () => {
  it("keeps every pushed tag whole while skopeo pushes and deletes through both", async () => {
    const root = join(dir, "online");
    const gc = (untagged: boolean) =>
      `wharf:\n  gc:\n    interval: 300ms\n    grace: 2s\n    deleteuntagged: ${untagged}`;
    const replicas = [await serve(root, gc(false)), await serve(root, gc(true))];
    const pushed = new Set<string>();
    let deletes = 0;
    try {
      // Garbage from the start (an image pushed nowhere else, then deleted): collected once it is
      // older than the grace period, while the load runs.
      const first = replicas[0] as Server;
      await push(first.host, "i7", "e2e/doomed:x");
      await skopeo("delete", "--tls-verify=false", `docker://${first.host}/e2e/doomed:x`);
      const deadline = Date.now() + 10_000;
      let n = 0;
      await Promise.all(
        [0, 1].map(async (w) => {
          while (Date.now() < deadline) {
            const r = replicas[(n + w) % 2] as Server;
            const ref = `e2e/online${n % 3}:t${n % 2}`;
            if (n % 5 === 4 && pushed.has(ref)) {
              await skopeo("delete", "--tls-verify=false", `docker://${r.host}/${ref}`);
              pushed.delete(ref);
              deletes++;
            } else {
              await push(r.host, TAGS[n % 7] as string, ref);
              pushed.add(ref);
            }
            n++;
          }
        }),
      );
      for (const ref of pushed) {
        const [repo, tag] = ref.split(":") as [string, string];
        expect((await validateOnRegistry((replicas[0] as Server).host, repo, tag)).diffIds).toBe(2);
      }
      expect(`${(replicas[0] as Server).output()}${(replicas[1] as Server).output()}`).toMatch(
        /garbage collection done.*gc\.(blobs|manifests)\.deleted=[1-9]/,
      );
    } finally {
      for (const r of replicas) await r.stop();
    }
    expect(deletes).toBeGreaterThan(0);
    await sleep(2_100);
    await wharfGc(root, "-m");
    const { marked } = await mark(createStore(fsDriver({ root })), {
      deleteUntagged: false,
      cutoff: 0,
      emit: () => {},
    });
    const referenced = new Set<string>(marked);
    const left = (await blobsLeft(root)).map((b) => b.replace(/^\/(\w+)\/\w\w\//, "$1:"));
    expect(left.filter((d) => !referenced.has(d))).toEqual([]);
  }, 120_000);
});

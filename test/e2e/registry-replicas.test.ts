import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf } from "../../src/digest/index.js";
import { addImage, type LayoutImage, layoutManifest } from "./helpers/layout.js";
import { type Replicas, startReplicas } from "./helpers/replicas.js";
import { skopeo } from "./helpers/tools.js";
import { validateOnRegistry } from "./helpers/validate.js";

const MiB = 1 << 20;

/** Requests of one method that a replica's access log recorded for a path prefix. */
const logged = (output: string, method: string, path: string) =>
  output.split("\n").filter((l) => l.includes(`http.request.method=${method}`) && l.includes(path)).length;

/**
 * Three `wharf registry serve` on one bucket of the RADOS Gateway (scripts/ceph.sh), one http.secret
 * and one Redis, behind nginx: they behave as one registry.
 */
describe("replicas behind a load balancer", () => {
  let r: Replicas;
  let dir: string;
  const images: Record<string, LayoutImage> = {};
  const layout = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-replicas-"));
    r = await startReplicas(3);
    for (const [name, seed] of [
      ["one", 1_000],
      ["two", 2_000],
      ["three", 3_000],
      ["four", 4_000],
    ] as const) {
      images[name] = await addImage(layout(name), {
        tag: "v1",
        gzip: 1,
        layers: [[{ name: `${name}.bin`, random: 700_000 + seed }], [{ name: "shared.bin", random: 50_000 }]],
      });
    }
  }, 120_000);

  afterAll(async () => {
    await r?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const [a, b, c] = [0, 1, 2];
  const host = (i: number) => r.replicas[i]?.host as string;

  it("serves through one replica what was pushed through another, and through nginx", async () => {
    await skopeo(
      "copy",
      "--dest-tls-verify=false",
      `oci:${layout("one")}:v1`,
      `docker://${host(a)}/app/one:v1`,
    );
    const out = join(dir, "out-one");
    await skopeo("copy", "--src-tls-verify=false", `docker://${host(b)}/app/one:v1`, `oci:${out}:v1`);
    expect((await layoutManifest(out, "v1"))?.digest).toBe(images.one?.manifest.digest);
    expect(await validateOnRegistry(host(c), "app/one", "v1")).toMatchObject({ images: 1, diffIds: 2 });
    expect(await validateOnRegistry(r.lb.host, "app/one", "v1")).toMatchObject({ images: 1, diffIds: 2 });
    const tags = JSON.parse(await skopeo("list-tags", "--tls-verify=false", `docker://${host(c)}/app/one`));
    expect(tags.Tags).toEqual(["v1"]);
  }, 120_000);

  it("completes a chunked upload whose chunks land on every replica", async () => {
    const blob = randomBytes(17 * MiB + 333);
    const cuts = [0, 6 * MiB, 6 * MiB + 1000, 12 * MiB, blob.length - 10, blob.length];
    const order = [a, b, c, a, b];
    const before = order.map((i) => logged(r.replicas[i]?.output() ?? "", "PATCH", "/v2/app/chunked/"));
    const post = await fetch(`http://${host(c)}/v2/app/chunked/blobs/uploads/`, { method: "POST" });
    expect(post.status).toBe(202);
    let location = post.headers.get("location") ?? "";
    for (const [k, i] of order.entries()) {
      const [from, to] = [cuts[k] as number, cuts[k + 1] as number];
      const res = await fetch(new URL(location, `http://${host(i)}`), {
        method: "PATCH",
        body: blob.subarray(from, to),
        headers: { "Content-Range": `${from}-${to - 1}`, "Content-Type": "application/octet-stream" },
      });
      expect(res.status, `chunk ${k} on replica ${i}`).toBe(202);
      expect(res.headers.get("range")).toBe(`0-${to - 1}`);
      location = res.headers.get("location") ?? "";
    }
    // The upload's status from a replica that wrote none of it.
    const status = await fetch(new URL(location, `http://${host(c)}`));
    expect(status.status).toBe(204);
    expect(status.headers.get("range")).toBe(`0-${blob.length - 1}`);
    const put = new URL(location, r.lb.url);
    put.searchParams.set("digest", digestOf(blob));
    const done = await fetch(put, { method: "PUT" });
    expect(done.status).toBe(201);
    const got = Buffer.from(
      await (await fetch(`${r.lb.url}/v2/app/chunked/blobs/${digestOf(blob)}`)).arrayBuffer(),
    );
    expect(digestOf(got)).toBe(digestOf(blob));
    const after = order.map((i) => logged(r.replicas[i]?.output() ?? "", "PATCH", "/v2/app/chunked/"));
    for (const i of [a, b, c])
      expect(after[order.indexOf(i)], `replica ${i} took chunks`).toBeGreaterThan(
        before[order.indexOf(i)] as number,
      );
  }, 120_000);

  it("loses nothing acknowledged when a replica is killed mid-push; the retry through another succeeds", async () => {
    // Acknowledged through the replica about to die.
    await skopeo(
      "copy",
      "--dest-tls-verify=false",
      `oci:${layout("two")}:v1`,
      `docker://${host(c)}/app/two:v1`,
    );
    // A blob streamed to it, cut by SIGKILL after 12 MiB.
    const blob = randomBytes(30 * MiB);
    const post = await fetch(`http://${host(c)}/v2/app/killed/blobs/uploads/`, { method: "POST" });
    const location = post.headers.get("location") ?? "";
    let sent = 0;
    const victim = r.replicas[c];
    const body = new ReadableStream<Uint8Array>({
      async pull(ctl) {
        if (sent >= blob.length) return ctl.close();
        ctl.enqueue(blob.subarray(sent, sent + MiB));
        sent += MiB;
        if (sent === 12 * MiB && victim) process.kill(victim.pid, "SIGKILL");
        await new Promise((res) => setTimeout(res, 20));
      },
    });
    const cut = await fetch(new URL(location, `http://${host(c)}`), {
      method: "PATCH",
      body,
      duplex: "half",
      headers: { "Content-Type": "application/octet-stream" },
    } as RequestInit).then(
      (res) => res.status,
      () => "cut",
    );
    expect(cut).toBe("cut");
    // Another replica: what was acknowledged is all there.
    expect(await validateOnRegistry(host(a), "app/two", "v1")).toMatchObject({ images: 1, diffIds: 2 });
    // The client asks where the upload stands and resumes from there through the load balancer.
    const status = await fetch(new URL(location, r.lb.url));
    expect(status.status).toBe(204);
    const range = status.headers.get("range") ?? "0-0";
    const offset = range === "0-0" ? 0 : Number(range.split("-")[1]) + 1;
    const rest = await fetch(new URL(location, r.lb.url), {
      method: "PATCH",
      body: blob.subarray(offset),
      headers: {
        "Content-Range": `${offset}-${blob.length - 1}`,
        "Content-Type": "application/octet-stream",
      },
    });
    expect(rest.status).toBe(202);
    const put = new URL(rest.headers.get("location") ?? "", r.lb.url);
    put.searchParams.set("digest", digestOf(blob));
    expect((await fetch(put, { method: "PUT" })).status).toBe(201);
    // And a whole push retried through nginx (which skips the dead replica) succeeds.
    await skopeo(
      "copy",
      "--dest-tls-verify=false",
      `oci:${layout("three")}:v1`,
      `docker://${r.lb.host}/app/three:v1`,
    );
    expect(await validateOnRegistry(r.lb.host, "app/three", "v1")).toMatchObject({ images: 1, diffIds: 2 });
    await r.restart(c);
    expect(await validateOnRegistry(host(c), "app/two", "v1")).toMatchObject({ images: 1, diffIds: 2 });
  }, 180_000);

  it("ends two concurrent pushes of one tag through two replicas with the tag naming one complete image", async () => {
    await Promise.all([
      skopeo(
        "copy",
        "--dest-tls-verify=false",
        `oci:${layout("three")}:v1`,
        `docker://${host(a)}/app/race:latest`,
      ),
      skopeo(
        "copy",
        "--dest-tls-verify=false",
        `oci:${layout("four")}:v1`,
        `docker://${host(b)}/app/race:latest`,
      ),
    ]);
    for (const i of [a, b, c]) {
      const info = JSON.parse(
        await skopeo("inspect", "--tls-verify=false", `docker://${host(i)}/app/race:latest`),
      );
      expect([images.three?.manifest.digest, images.four?.manifest.digest]).toContain(info.Digest);
      expect(await validateOnRegistry(host(i), "app/race", "latest")).toMatchObject({
        images: 1,
        diffIds: 2,
      });
    }
  }, 120_000);
});

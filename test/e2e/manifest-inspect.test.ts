import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushBusybox } from "./helpers/busybox-image.js";
import { type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { run, skopeo } from "./helpers/tools.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/**
 * `wharf manifest inspect` against the docker CLI's own `docker manifest inspect` (client-only: it
 * needs no engine), byte for byte, on one Distribution registry: an OCI image, the same image as a
 * Docker v2 manifest (skopeo's copy), and manifest lists of each that `docker manifest
 * create`/`annotate`/`push` made, each with and without -v; and a missing tag.
 */
describe("manifest inspect, as the docker CLI prints it", () => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let repo: string;
  const docker = (...args: string[]) => run("docker", args).catch((e: Error) => `failed: ${e.message}`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-manifest-"));
    // The lists are made with one docker config; inspected with another, empty one (the docker CLI
    // would otherwise read the entries of the lists it made from its own local copies).
    process.env.DOCKER_CONFIG = join(dir, "docker-create");
    reg = await startDistribution();
    cli = await wharfCli();
    const oci = (await pushBusybox(reg, join(dir, "layout"), "mf", ["sh"])).ref;
    repo = oci;
    await skopeo(
      "copy",
      "-q",
      "--src-tls-verify=false",
      "--dest-tls-verify=false",
      "--format",
      "v2s2",
      `docker://${oci}:latest`,
      `docker://${repo}:v2`,
    );
    for (const [list, child] of [
      ["ocilist", "latest"],
      ["v2list", "v2"],
    ]) {
      await run("docker", ["manifest", "create", "--insecure", `${repo}:${list}`, `${repo}:${child}`]);
      await run("docker", [
        "manifest",
        "annotate",
        "--arch",
        "arm64",
        "--variant",
        "v8",
        `${repo}:${list}`,
        `${repo}:${child}`,
      ]);
      await run("docker", ["manifest", "push", "--insecure", `${repo}:${list}`]);
    }
    process.env.DOCKER_CONFIG = join(dir, "docker-inspect");
  }, 120_000);

  afterAll(async () => {
    delete process.env.DOCKER_CONFIG;
    await reg?.close();
    await cli?.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const tag of ["latest", "v2", "ocilist", "v2list"]) {
    for (const verbose of [[], ["-v"]]) {
      it(`${tag} ${verbose.join("")}`.trim(), async () => {
        const args = ["manifest", "inspect", "--insecure", ...verbose, `${repo}:${tag}`];
        const theirs = await docker(...args);
        expect(theirs).not.toMatch(/^failed/);
        expect(await cli.ok(...args)).toBe(theirs);
      });
    }
  }

  it("a missing tag: Docker's 'no such manifest', status 1", async () => {
    const r = await cli.run(["manifest", "inspect", "--insecure", `${repo}:nosuch`]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe(`Error: no such manifest: ${repo}:nosuch`);
    expect(await docker("manifest", "inspect", "--insecure", `${repo}:nosuch`)).toContain(
      `no such manifest: ${repo}:nosuch`,
    );
  });
});

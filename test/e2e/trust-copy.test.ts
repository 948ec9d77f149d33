import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addImage } from "./helpers/layout.js";
import { getJson, type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { skopeo } from "./helpers/tools.js";
import { containersConfig, mirrorPolicy, skopeoSigstoreCopy } from "./helpers/trust.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const INDEX = "application/vnd.oci.image.index.v1+json";
const COSIGN_SIG = "application/vnd.dev.cosign.artifact.sig.v1+json";

/**
 * `image copy --referrers` between two Distribution 2.8.2 registries (no referrers API at either
 * end): the signature made on A is found there through the referrers tag schema and the `.sig`
 * tag, and written on B both ways, so that wharf verifies against B and skopeo finds it.
 */
describe("signatures carried by image copy --referrers, Distribution 2.8.2 at both ends", () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  let digest = "";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-trust-copy-"));
    [a, b] = await Promise.all([startDistribution(), startDistribution()]);
    process.env.WHARF_TRUST_PASSPHRASE = "correct horse";
    cli = await wharfCli();
    for (const tag of ["signed", "unsigned"]) {
      await addImage(join(dir, "layout"), { tag, gzip: 1, layers: [[{ name: "f.bin", random: 4096 }]] });
      await skopeo(
        "copy",
        "--dest-tls-verify=false",
        `oci:${join(dir, "layout")}:${tag}`,
        `docker://${a.host}/team/${tag}:1`,
      );
    }
    await cli.ok("trust", "key", "generate", "alice");
    await cli.ok(
      "trust",
      "sign",
      "--key",
      join(cli.dockerConfig, "trust", "alice.key"),
      `${a.host}/team/signed:1`,
    );
    digest = JSON.parse(await skopeo("inspect", "--tls-verify=false", `docker://${a.host}/team/signed:1`))
      .Digest as string;
  }, 120_000);

  afterAll(async () => {
    await cli?.close();
    await Promise.all([a?.close(), b?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  const tagged = (host: string, repo: string, tag: string, accept: string) =>
    getJson(`http://${host}/v2/${repo}/manifests/${tag}`, accept);
  const schemaTag = () => digest.replace(":", "-");

  it("A has no referrers API: the signature is there under the tag schema and the .sig tag", async () => {
    expect((await fetch(`http://${a.host}/v2/team/signed/referrers/${digest}`)).status).toBe(404);
    const index = await tagged(a.host, "team/signed", schemaTag(), INDEX);
    expect(((index.doc?.manifests ?? []) as { artifactType: string }[]).map((m) => m.artifactType)).toEqual([
      COSIGN_SIG,
    ]);
    const sig = await tagged(
      a.host,
      "team/signed",
      `${schemaTag()}.sig`,
      "application/vnd.oci.image.manifest.v1+json",
    );
    expect(sig.doc?.layers).toHaveLength(1);
  });

  it("copies to B writing the tag schema's index and the .sig attachment; a second copy duplicates nothing", async () => {
    const mirrored = `${b.host}/mirror/signed:1`;
    for (let i = 0; i < 2; i++) {
      await cli.ok(
        "image",
        "copy",
        "--referrers",
        `docker://${a.host}/team/signed:1`,
        `docker://${mirrored}`,
      );
      const index = await tagged(b.host, "mirror/signed", schemaTag(), INDEX);
      expect(index.status).toBe(200);
      expect(((index.doc?.manifests ?? []) as { artifactType: string }[]).map((m) => m.artifactType)).toEqual(
        [COSIGN_SIG],
      );
      const sig = await tagged(
        b.host,
        "mirror/signed",
        `${schemaTag()}.sig`,
        "application/vnd.oci.image.manifest.v1+json",
      );
      expect(sig.doc?.layers).toHaveLength(1);
    }
    const inspect = JSON.parse(await cli.ok("trust", "inspect", mirrored));
    expect(
      inspect[0].Signatures.map((s: { Where: string }) => s.Where.replace(/sha256:.*/, "")).sort(),
    ).toEqual(["attachment", "referrer "]);
    expect(inspect[0].Signatures.every((s: { VerifiedBy: unknown[] }) => s.VerifiedBy.length === 1)).toBe(
      true,
    );
    await cli.ok(
      "image",
      "copy",
      `docker://${a.host}/team/unsigned:1`,
      `docker://${b.host}/mirror/unsigned:1`,
    );
  });

  it("wharf pull from B verifies under a policy that requires the signature; unsigned refused", async () => {
    const alice = join(cli.dockerConfig, "trust", "alice.pub");
    await containersConfig(cli.dir, mirrorPolicy(b.host, a.host, alice));
    const out = await cli.ok("pull", `${b.host}/mirror/signed:1`);
    expect(out).toMatch(/^Verified .*signed by .*alice\.pub \(SHA256:[^)]+\), sigstoreSigned/m);
    const r = await cli.run(["pull", `${b.host}/mirror/unsigned:1`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/requirement sigstoreSigned/);
  });

  it("skopeo finds the .sig attachment on B: 'sigstore disabled', not 'no signature'", async () => {
    const { copy } = await skopeoSigstoreCopy(dir, join(cli.dockerConfig, "trust", "alice.pub"));
    await expect(copy(`${b.host}/mirror/signed:1`)).rejects.toThrow(/sigstore disabled/);
    await expect(copy(`${b.host}/mirror/unsigned:1`)).rejects.toThrow(/no signature exists/);
  });
});

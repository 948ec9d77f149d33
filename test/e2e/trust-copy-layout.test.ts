import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tarEntries } from "../../src/archive/image/testing/stores.js";
import { addImage } from "./helpers/layout.js";
import { getJson, type RunningRegistry, startDistribution } from "./helpers/registries.js";
import { skopeo } from "./helpers/tools.js";
import { containersConfig, mirrorPolicy } from "./helpers/trust.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const INDEX = "application/vnd.oci.image.index.v1+json";
const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const COSIGN_SIG = "application/vnd.dev.cosign.artifact.sig.v1+json";
const SUBJECT = "io.wharf.signature.subject";

interface Entry {
  digest: string;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/**
 * `image copy --referrers` from a registry into an OCI layout and an oci-archive: the signatures
 * (referrers, and the `.sig` attachment as cosign's referrer form) become `index.json` entries as
 * `save` writes them, and a copy from the layout to another registry carries them on (tag schema
 * and `.sig`), so wharf verifies there. Distribution 2.8.2 at both ends (no referrers API).
 */
describe("signatures through image copy --referrers into oci: and oci-archive: and out again", () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let cli: WharfCli;
  let dir: string;
  const digests: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-trust-copy-layout-"));
    [a, b] = await Promise.all([startDistribution(), startDistribution()]);
    process.env.WHARF_TRUST_PASSPHRASE = "layout";
    cli = await wharfCli();
    await cli.ok("trust", "key", "generate", "alice");
    for (const tag of ["signed", "attached"]) {
      await addImage(join(dir, "src"), { tag, gzip: 1, layers: [[{ name: "f.bin", random: 2048 }]] });
      const ref = `${a.host}/team/${tag}:1`;
      await skopeo("copy", "--dest-tls-verify=false", `oci:${join(dir, "src")}:${tag}`, `docker://${ref}`);
      await cli.ok("trust", "sign", "--key", join(cli.dockerConfig, "trust", "alice.key"), ref);
      digests[tag] = JSON.parse(await skopeo("inspect", "--tls-verify=false", `docker://${ref}`)).Digest;
    }
    // "attached" keeps only cosign's .sig attachment: its tag schema index emptied.
    const empty = JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [] });
    const put = await fetch(
      `http://${a.host}/v2/team/attached/manifests/${(digests.attached as string).replace(":", "-")}`,
      { method: "PUT", headers: { "content-type": INDEX }, body: empty },
    );
    expect(put.status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await cli?.close();
    await Promise.all([a?.close(), b?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  const layoutEntries = (d: string): Entry[] =>
    JSON.parse(readFileSync(join(d, "index.json"), "utf8")).manifests as Entry[];
  const sigEntries = (list: Entry[]) => list.filter((e) => e.annotations?.[SUBJECT]);

  it("into oci:DIR: one signature entry per image (referrer, or the .sig converted), named by its subject; twice adds nothing", async () => {
    const out = join(dir, "out");
    for (let i = 0; i < 2; i++) {
      for (const tag of ["signed", "attached"]) {
        await cli.ok("image", "copy", "--referrers", `docker://${a.host}/team/${tag}:1`, `oci:${out}:${tag}`);
      }
    }
    const entries = layoutEntries(out);
    expect(
      entries
        .filter((e) => !e.annotations?.[SUBJECT])
        .map((e) => e.annotations?.["org.opencontainers.image.ref.name"]),
    ).toEqual(["signed", "attached"]);
    const sigs = sigEntries(entries);
    expect(sigs.map((s) => [s.annotations?.[SUBJECT], s.artifactType, s.annotations?.kind])).toEqual([
      [digests.signed, COSIGN_SIG, "dev.cosignproject.cosign/sigs"],
      [digests.attached, COSIGN_SIG, "dev.cosignproject.cosign/sigs"],
    ]);
    for (const s of sigs) {
      const m = JSON.parse(readFileSync(join(out, "blobs", "sha256", s.digest.slice(7)), "utf8"));
      expect(m.subject.digest).toBe(s.annotations?.[SUBJECT]);
      for (const b of [m.config, ...m.layers]) {
        expect(readFileSync(join(out, "blobs", "sha256", b.digest.slice(7))).byteLength).toBe(b.size);
      }
    }
    // skopeo still reads the layout's images by name.
    expect(JSON.parse(await skopeo("inspect", `oci:${out}:attached`)).Digest).toBe(digests.attached);
  });

  it("into oci-archive: the same entries in the archive's index.json", async () => {
    const file = join(dir, "attached.tar");
    await cli.ok(
      "image",
      "copy",
      "--referrers",
      `docker://${a.host}/team/attached:1`,
      `oci-archive:${file}:x`,
    );
    const files = await tarEntries(readFileSync(file));
    const entries: Entry[] = JSON.parse((files.get("index.json") as Buffer).toString()).manifests;
    expect(sigEntries(entries).map((s) => s.annotations?.[SUBJECT])).toEqual([digests.attached]);
    // ... and out of it to B with its signature.
    await cli.ok(
      "image",
      "copy",
      "--referrers",
      `oci-archive:${file}:x`,
      `docker://${b.host}/mirror/attached:1`,
    );
  });

  it("from oci:DIR to another registry: the tag schema's index and the .sig written there; wharf pull verifies", async () => {
    await cli.ok(
      "image",
      "copy",
      "--referrers",
      `oci:${join(dir, "out")}:signed`,
      `docker://${b.host}/mirror/signed:1`,
    );
    for (const tag of ["signed", "attached"]) {
      const schema = (digests[tag] as string).replace(":", "-");
      const index = await getJson(`http://${b.host}/v2/mirror/${tag}/manifests/${schema}`, INDEX);
      expect(((index.doc?.manifests ?? []) as Entry[]).map((m) => m.artifactType)).toEqual([COSIGN_SIG]);
      const sig = await getJson(`http://${b.host}/v2/mirror/${tag}/manifests/${schema}.sig`, MANIFEST);
      expect(sig.doc?.layers).toHaveLength(1);
    }
    await containersConfig(
      cli.dir,
      mirrorPolicy(b.host, a.host, join(cli.dockerConfig, "trust", "alice.pub")),
    );
    for (const tag of ["signed", "attached"]) {
      const out = await cli.ok("pull", `${b.host}/mirror/${tag}:1`);
      expect(out).toMatch(/^Verified .*alice\.pub/m);
    }
  });
});

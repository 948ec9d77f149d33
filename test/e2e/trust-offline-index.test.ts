import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tarEntries } from "../../src/archive/image/testing/stores.js";
import { closeAll } from "./helpers/busybox-image.js";
import { HOST_ARCH, OTHER_ARCH } from "./helpers/image-fixtures.js";
import { addImage } from "./helpers/layout.js";
import { type RunningRegistry, startWharfRegistry } from "./helpers/registries.js";
import { skopeo } from "./helpers/tools.js";
import { storeListing } from "./helpers/trust.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

/** A two-platform index in the OCI layout at `dir`, tagged `tag`: this machine's busybox and another arch's. */
async function twoPlatformLayout(dir: string, tag: string): Promise<string> {
  const host = await addImage(dir, {
    tag: "host",
    gzip: 1,
    platform: { os: "linux", architecture: HOST_ARCH },
    layers: [
      [
        { name: "bin/busybox", hostPath: "/bin/busybox", mode: 0o755 },
        { name: "bin/echo", linkTo: "busybox" },
      ],
    ],
    cmd: ["echo", "multi ran"],
  });
  const other = await addImage(dir, {
    tag: "other",
    gzip: 1,
    platform: { os: "linux", architecture: OTHER_ARCH },
    layers: [[{ name: "other", random: 64 }]],
  });
  const doc = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { ...host.manifest, platform: { os: "linux", architecture: HOST_ARCH } },
        { ...other.manifest, platform: { os: "linux", architecture: OTHER_ARCH } },
      ],
    }),
  );
  const digest = `sha256:${createHash("sha256").update(doc).digest("hex")}`;
  await writeFile(join(dir, "blobs", "sha256", digest.slice(7)), doc);
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
  index.manifests.push({
    mediaType: OCI_INDEX,
    digest,
    size: doc.byteLength,
    annotations: { "org.opencontainers.image.ref.name": tag },
  });
  await writeFile(join(dir, "index.json"), JSON.stringify(index));
  return digest;
}

/**
 * A multi-platform image signed over its index: pulled (this machine's platform) under a policy,
 * saved, and on an empty root with no registry loaded and run under the same policy.
 */
describe("a multi-platform image signed over its index, through save and load", () => {
  let reg: RunningRegistry | undefined;
  let cli: WharfCli;
  let dir: string;
  let ref = "";
  let indexDigest = "";
  let policyFile = "";
  const pol = () => ["--signature-policy", policyFile];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-offline-index-"));
    reg = await startWharfRegistry();
    process.env.WHARF_TRUST_PASSPHRASE = "offline";
    cli = await wharfCli();
    indexDigest = await twoPlatformLayout(join(dir, "layout"), "multi");
    ref = `${reg.host}/e2e/multi:1`;
    await skopeo(
      "copy",
      "--all",
      "--dest-tls-verify=false",
      `oci:${join(dir, "layout")}:multi`,
      `docker://${ref}`,
    );
    await cli.ok("trust", "key", "generate", "alice");
    await cli.ok("trust", "sign", "--key", join(cli.dockerConfig, "trust", "alice.key"), ref);
    policyFile = join(dir, "policy.json");
    await writeFile(
      policyFile,
      JSON.stringify({
        default: [{ type: "reject" }],
        transports: {
          docker: {
            [`${reg.host}/e2e`]: [
              { type: "sigstoreSigned", keyPath: join(cli.dockerConfig, "trust", "alice.pub") },
            ],
          },
        },
      }),
    );
  }, 180_000);

  afterAll(async () => {
    await closeAll(cli, [reg], dir);
  });

  it("save carries the index and its signature; load then run verifies offline", async () => {
    const out = await cli.ok("pull", ...pol(), ref);
    expect(out).toMatch(/Verified .*alice\.pub/);
    expect(out).toContain(indexDigest);
    await cli.ok("save", "-o", join(dir, "multi.tar"), ref);
    // The signature is over the index, and goes along with it.
    const files = await tarEntries(readFileSync(join(dir, "multi.tar")));
    const entries: { digest: string; annotations?: Record<string, string> }[] = JSON.parse(
      (files.get("index.json") as Buffer).toString(),
    ).manifests;
    expect(entries.map((e) => e.annotations?.["io.wharf.signature.subject"]).filter(Boolean)).toEqual([
      indexDigest,
    ]);
    expect(files.has(`blobs/sha256/${indexDigest.slice(7)}`)).toBe(true);
    await reg?.close();
    reg = undefined;
    const { rm } = await import("node:fs/promises");
    await rm(cli.root, { recursive: true, force: true });
    expect(await cli.ok("load", "-i", join(dir, "multi.tar"))).toContain("Loaded image: ");
    await validateRoot(cli.root);
    const r = await cli.run(["run", "--rm", ...pol(), ref]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("multi ran\n");
    expect(r.stderr).toMatch(/Verified .*alice\.pub .*signature from the store/);
    // Another key's policy still refuses it, with nothing stored.
    await cli.ok("trust", "key", "generate", "bob", "--dir", join(dir, "keys"));
    const other = join(dir, "other.json");
    await writeFile(
      other,
      JSON.stringify({ default: [{ type: "sigstoreSigned", keyPath: join(dir, "keys", "bob.pub") }] }),
    );
    const before = storeListing(cli.root);
    const bad = await cli.run(["run", "--rm", "--signature-policy", other, ref]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/^Error: .*refused by the signature policy/m);
    expect(storeListing(cli.root)).toEqual(before);
  });
});

import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tarEntries } from "../../src/archive/image/testing/stores.js";
import { closeAll, pushBusybox } from "./helpers/busybox-image.js";
import { type RunningRegistry, startWharfRegistry } from "./helpers/registries.js";
import { type Sandbox, sandbox, skopeo } from "./helpers/tools.js";
import { containersConfig, gpgExport, gpgHome, gpgKill, storeListing } from "./helpers/trust.js";
import { validateRoot } from "./helpers/validate.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

const SUBJECT = "io.wharf.signature.subject";
const blobPath = (d: string) => `blobs/sha256/${d.slice(7)}`;
const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** Writes a tar of `files` (directories implied), as `wharf load` reads it. */
async function writeTar(path: string, files: Map<string, Buffer>): Promise<void> {
  const { pack } = await import("tar-stream");
  const p = pack();
  const parts: Buffer[] = [];
  const done = (async () => {
    for await (const c of p as unknown as AsyncIterable<Buffer>) parts.push(c);
  })();
  for (const [name, body] of files) {
    if (name.endsWith("/") || name === "blobs" || name === "blobs/sha256") continue;
    await new Promise<void>((res, rej) =>
      p.entry({ name, mode: 0o644, mtime: new Date(0) }, body, (e) => (e ? rej(e) : res())),
    );
  }
  p.finalize();
  await done;
  await writeFile(path, Buffer.concat(parts));
}

/**
 * Signatures kept beside images: a pull under a policy keeps the sigstore and GPG signatures it
 * verified, `save` carries them, and on a machine with an empty root and no registry, `load` then
 * `run` (and `image copy wharf:`) verify with them; an unsigned image and a tampered signature are
 * refused there with nothing stored or run.
 */
describe("signatures through save and load, verified offline", () => {
  let reg: RunningRegistry | undefined;
  let cli: WharfCli;
  let box: Sandbox;
  let dir: string;
  let signed = "";
  let unsigned = "";
  let signer = "";
  let policyFile = "";
  const archive = () => join(dir, "images.tar");
  const pol = () => ["--signature-policy", policyFile];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-offline-"));
    reg = await startWharfRegistry();
    process.env.WHARF_TRUST_PASSPHRASE = "offline";
    process.env.GNUPGHOME = join(dir, "gnupg");
    [signer] = gpgHome(join(dir, "gnupg"), ["signer"]) as [string];
    await writeFile(join(dir, "signer.gpg"), gpgExport(join(dir, "gnupg"), signer));
    cli = await wharfCli();
    box = await sandbox();
    signed = (await pushBusybox(reg, join(dir, "layout"), "signed", ["echo", "signed ran"])).ref;
    unsigned = (await pushBusybox(reg, join(dir, "layout"), "unsigned", ["echo", "unsigned ran"])).ref;
    await cli.ok("trust", "key", "generate", "alice");
    await cli.ok("trust", "sign", "--key", join(cli.dockerConfig, "trust", "alice.key"), signed);
    // GPG simple signing into a file:// lookaside named in the CLI's registries.d.
    await containersConfig(
      cli.dir,
      { default: [{ type: "insecureAcceptAnything" }] },
      `default-docker:\n  lookaside: file://${join(dir, "lookaside")}\n`,
    );
    await cli.ok("trust", "sign", "--sign-by", signer, signed);
    policyFile = join(dir, "policy.json");
    await writeFile(
      policyFile,
      JSON.stringify({
        default: [{ type: "reject" }],
        transports: {
          docker: {
            [`${reg.host}/e2e`]: [
              { type: "sigstoreSigned", keyPath: join(cli.dockerConfig, "trust", "alice.pub") },
              { type: "signedBy", keyType: "GPGKeys", keyPath: join(dir, "signer.gpg") },
            ],
          },
        },
      }),
    );
  }, 180_000);

  afterAll(async () => {
    if (dir) gpgKill(join(dir, "gnupg"));
    await box?.close();
    await closeAll(cli, [reg], dir);
  });

  const signatureEntries = () =>
    JSON.parse(readFileSync(join(cli.root, "store", "index.json"), "utf8")).manifests.filter(
      (m: { annotations?: Record<string, string> }) => m.annotations?.[SUBJECT],
    );

  /** `run` under the policy is refused, and the store and the container list stay as they were. */
  const refusedRun = async (ref: string, why: RegExp, env?: NodeJS.ProcessEnv) => {
    const before = storeListing(cli.root);
    const ps = await cli.ok("ps", "-a", "-q");
    const r = await cli.run(["run", "--rm", ...(env ? [] : pol()), ref], env ? { env } : {});
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.stdout).not.toContain("ran");
    expect(r.stderr).toMatch(/^Error: .*refused by the signature policy/m);
    expect(r.stderr).toMatch(/^Hint: /m);
    expect(r.stderr).toMatch(why);
    expect(storeListing(cli.root)).toEqual(before);
    expect(await cli.ok("ps", "-a", "-q")).toBe(ps);
  };

  it("pull under the policy keeps both signatures; save carries them; Docker-archive readers still read it", async () => {
    // image copy from the registry into the store keeps them as pull does (and pull adds no copy).
    await cli.ok("image", "copy", ...pol(), `docker://${signed}`, `wharf:${signed}`);
    expect(signatureEntries()).toHaveLength(2);
    const out = await cli.ok("pull", ...pol(), signed);
    expect(out).toMatch(/Verified .*alice\.pub .*sigstoreSigned/);
    expect(out).toMatch(new RegExp(`Verified .*signer\\.gpg \\(${signer}\\), signedBy`));
    const kept = signatureEntries();
    expect(kept).toHaveLength(2);
    // trust sign of an image the store holds keeps the new signature locally too.
    await cli.ok("trust", "key", "generate", "mallory", "--dir", join(dir, "keys"));
    await cli.ok("trust", "sign", "--key", join(dir, "keys", "mallory.key"), signed);
    expect(signatureEntries()).toHaveLength(3);
    await cli.ok("pull", "-q", unsigned); // no policy: the machine's accepts anything
    await validateRoot(cli.root);
    await cli.ok("save", "-o", archive(), signed, unsigned);
    const files = await tarEntries(readFileSync(archive()));
    const index = JSON.parse((files.get("index.json") as Buffer).toString());
    const sigs = index.manifests.filter(
      (m: { annotations?: Record<string, string> }) =>
        m.annotations?.kind === "dev.cosignproject.cosign/sigs",
    );
    expect(sigs.map((s: { digest: string }) => s.digest).sort()).toEqual(
      signatureEntries()
        .map((s: { digest: string }) => s.digest)
        .sort(),
    );
    // Readers of Docker's manifest.json see the two images only.
    const inspect = JSON.parse(await skopeo("inspect", `docker-archive:${archive()}:${signed}`));
    expect(inspect.Digest).toMatch(/^sha256:/);
    const loaded = await box.podman("load", "-i", archive());
    expect(loaded).toContain(`${signed}`);
    expect(loaded).toContain(`${unsigned}`);
  });

  it("an empty root with no registry: load, then run under the policy accepts the signed image with the kept signatures", async () => {
    await reg?.close();
    reg = undefined;
    await rm(cli.root, { recursive: true, force: true });
    const out = await cli.ok("load", "-i", archive());
    expect(out).toContain("Loaded image: ");
    expect(signatureEntries()).toHaveLength(3);
    await validateRoot(cli.root);
    const r = await cli.run(["run", "--rm", ...pol(), signed]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("signed ran\n");
    expect(r.stderr).toMatch(/Verified .*alice\.pub .*signature from the store/);
    expect(r.stderr).toMatch(/Verified .*signer\.gpg/);
    // Content trust (alice's key in the trust directory) the same way.
    const dct = await cli.run(["run", "--rm", signed], { env: { DOCKER_CONTENT_TRUST: "1" } });
    expect(dct.code, dct.stderr).toBe(0);
    expect(dct.stdout).toBe("signed ran\n");
  });

  it("the unsigned image is refused, by run and by image copy from wharf:, with nothing stored or written", async () => {
    await refusedRun(unsigned, /requirement sigstoreSigned: no signature was found/);
    await refusedRun(unsigned, /no signature was found/, { DOCKER_CONTENT_TRUST: "1" });
    const before = storeListing(cli.root);
    const bad = await cli.run([
      "image",
      "copy",
      ...pol(),
      `wharf:${unsigned}`,
      `oci:${join(dir, "out-bad")}:x`,
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/^Error: .*refused by the signature policy/m);
    expect(existsSync(join(dir, "out-bad"))).toBe(false);
    expect(storeListing(cli.root)).toEqual(before);
    const good = await cli.run(["image", "copy", ...pol(), `wharf:${signed}`, `oci:${join(dir, "out")}:x`]);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stderr).toMatch(/Verified .*signature from the store/);
  });

  it("a tampered signature in the archive (payload edited, digests fixed up) loads but is refused by run", async () => {
    const files = await tarEntries(readFileSync(archive()));
    const index = JSON.parse((files.get("index.json") as Buffer).toString());
    const cosign = index.manifests.filter(
      (m: { digest: string; annotations?: Record<string, string> }) =>
        m.annotations?.kind === "dev.cosignproject.cosign/sigs" &&
        JSON.parse((files.get(blobPath(m.digest)) as Buffer).toString()).artifactType.includes("cosign"),
    );
    expect(cosign).toHaveLength(2); // alice's (trust sign before the pull) and mallory's (after)
    for (const entry of cosign) {
      const doc = JSON.parse((files.get(blobPath(entry.digest)) as Buffer).toString());
      const layer = doc.layers[0];
      const payload = (files.get(blobPath(layer.digest)) as Buffer).toString();
      // Claims another repository: the signature no longer matches the bytes.
      const altered = Buffer.from(payload.replace("/e2e/signed", "/e2e/signer"));
      expect(altered.toString()).not.toBe(payload);
      files.set(blobPath(sha(altered)), altered);
      layer.digest = sha(altered);
      layer.size = altered.byteLength;
      const m = Buffer.from(JSON.stringify(doc));
      files.set(blobPath(sha(m)), m);
      entry.digest = sha(m);
      entry.size = m.byteLength;
    }
    files.set("index.json", Buffer.from(JSON.stringify(index)));
    await writeTar(join(dir, "tampered.tar"), files);

    await rm(cli.root, { recursive: true, force: true });
    await cli.ok("load", "-i", join(dir, "tampered.tar"));
    await validateRoot(cli.root);
    await refusedRun(
      signed,
      /requirement sigstoreSigned: no signature was accepted .*signed by another key, or the payload was altered/,
    );
    // The GPG signature alone still verifies: a policy that asks only for it accepts the image.
    const gpgOnly = join(dir, "gpg-only.json");
    await writeFile(
      gpgOnly,
      JSON.stringify({
        default: [{ type: "signedBy", keyType: "GPGKeys", keyPath: join(dir, "signer.gpg") }],
      }),
    );
    const ok = await cli.run(["run", "--rm", "--signature-policy", gpgOnly, signed]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe("signed ran\n");

    // rmi takes the image's signatures with it: no entry, no blob of theirs left.
    const blobs = signatureEntries().map((e: { digest: string }) => e.digest);
    expect(blobs).toHaveLength(3);
    await cli.ok("rmi", signed);
    expect(signatureEntries()).toEqual([]);
    const left = storeListing(cli.root).join("\n");
    for (const d of blobs) expect(left).not.toContain(d.slice(7));
    await validateRoot(cli.root);
  });
});

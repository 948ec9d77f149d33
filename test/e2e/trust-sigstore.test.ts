import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addImage } from "./helpers/layout.js";
import { type RunningRegistry, startDistribution, startWharfRegistry } from "./helpers/registries.js";
import { podmanPullVerdict, run, type Sandbox, sandbox, skopeo } from "./helpers/tools.js";
import { containersConfig, skopeoSigstoreCopy, storeListing } from "./helpers/trust.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/** Uploads a blob and PUTs a manifest by plain HTTP (the test registries are anonymous). */
async function putBlob(host: string, repo: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const post = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: "POST" });
  const loc = new URL(post.headers.get("location") ?? "", `http://${host}`);
  loc.searchParams.set("digest", digest);
  const put = await fetch(loc, {
    method: "PUT",
    body: bytes,
    headers: { "content-type": "application/octet-stream" },
  });
  if (put.status !== 201) throw new Error(`blob upload: ${put.status}`);
  return { digest, size: bytes.length };
}

async function putManifest(host: string, repo: string, tag: string, doc: object): Promise<void> {
  const r = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, {
    method: "PUT",
    body: JSON.stringify(doc),
    headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
  });
  if (r.status !== 201) throw new Error(`manifest put: ${r.status} ${await r.text()}`);
}

/** Sigstore signatures made by wharf: where podman and skopeo look, verified by openssl, enforced by wharf. */
describe.each(["wharf", "distribution"])("sigstore signatures on %s's registry", (which) => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let box: Sandbox;
  let dir: string;
  let signed: string;
  let unsigned: string;
  const pass = { WHARF_TRUST_PASSPHRASE: "correct horse" };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-trust-"));
    reg = which === "wharf" ? await startWharfRegistry() : await startDistribution();
    process.env.WHARF_TRUST_PASSPHRASE = pass.WHARF_TRUST_PASSPHRASE;
    cli = await wharfCli();
    box = await sandbox();
    for (const tag of ["signed", "unsigned", "moved"]) {
      await addImage(join(dir, "layout"), { tag, gzip: 1, layers: [[{ name: "f.bin", random: 4096 }]] });
      await skopeo(
        "copy",
        "--dest-tls-verify=false",
        `oci:${join(dir, "layout")}:${tag}`,
        `docker://${reg.host}/team/${tag}:1`,
      );
    }
    signed = `${reg.host}/team/signed:1`;
    unsigned = `${reg.host}/team/unsigned:1`;
  }, 120_000);

  afterAll(async () => {
    await box?.close();
    await cli?.close();
    await reg?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("generates keys in cosign's format and refuses a wrong passphrase", async () => {
    await cli.ok("trust", "key", "generate", "alice");
    await cli.ok("trust", "key", "generate", "mallory", "--dir", join(dir, "other"));
    const key = await readFile(join(cli.dockerConfig, "trust", "alice.key"), "utf8");
    expect(key).toMatch(/^-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n/);
    const env = JSON.parse(Buffer.from(key.split("\n").slice(1, -2).join(""), "base64").toString());
    expect(env.kdf).toMatchObject({ name: "scrypt", params: { N: 32768, r: 8, p: 1 } });
    expect(env.cipher.name).toBe("nacl/secretbox");
    await writeFile(join(dir, "wrong"), "not it\n");
    const r = await cli.run([
      "trust",
      "sign",
      "--key",
      join(cli.dockerConfig, "trust", "alice.key"),
      "--passphrase-file",
      join(dir, "wrong"),
      signed,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: .*alice\.key: decryption failed: wrong passphrase/m);
    expect(r.stderr).toMatch(/^Hint: /m);
  });

  it("signs into the attachment tag and a referrer; twice with one key does not duplicate; openssl verifies", async () => {
    const key = join(cli.dockerConfig, "trust", "alice.key");
    const out = await cli.ok("trust", "sign", "--key", key, signed);
    expect(out).toContain("attachment");
    expect(out).toContain(": added; OCI referrer: added");
    expect(await cli.ok("trust", "sign", "--key", key, signed)).toContain("already signed by");
    await cli.ok("trust", "sign", "--key", join(dir, "other", "mallory.key"), signed);
    const digest = JSON.parse(await skopeo("inspect", "--tls-verify=false", `docker://${signed}`))
      .Digest as string;
    const att = JSON.parse(
      await skopeo(
        "inspect",
        "--raw",
        "--tls-verify=false",
        `docker://${reg.host}/team/signed:${digest.replace(":", "-")}.sig`,
      ),
    );
    expect(att.layers).toHaveLength(2);
    const l = att.layers[0];
    expect(l.mediaType).toBe("application/vnd.dev.cosign.simplesigning.v1+json");
    // The payload blob, fetched over HTTP, and its signature verified by openssl with alice's public key.
    const payload = Buffer.from(
      await (await fetch(`http://${reg.host}/v2/team/signed/blobs/${l.digest}`)).arrayBuffer(),
    );
    const doc = JSON.parse(payload.toString());
    expect(doc.critical).toEqual({
      identity: { "docker-reference": signed },
      image: { "docker-manifest-digest": digest },
      type: "cosign container image signature",
    });
    await writeFile(join(dir, "payload"), payload);
    await writeFile(
      join(dir, "sig"),
      Buffer.from(l.annotations["dev.cosignproject.cosign/signature"], "base64"),
    );
    const pub = join(cli.dockerConfig, "trust", "alice.pub");
    const verify = () =>
      run("openssl", [
        "dgst",
        "-sha256",
        "-verify",
        pub,
        "-signature",
        join(dir, "sig"),
        join(dir, "payload"),
      ]);
    expect(await verify()).toContain("Verified OK");
    await writeFile(join(dir, "payload"), Buffer.concat([payload, Buffer.from(" ")]));
    await expect(verify()).rejects.toThrow();
    const inspect = JSON.parse(await cli.ok("trust", "inspect", signed));
    expect(
      inspect[0].Signatures.filter((s: { Where: string }) => s.Where.startsWith("referrer")),
    ).toHaveLength(2);
    expect(
      inspect[0].Signatures.filter((s: { VerifiedBy: unknown[] }) => s.VerifiedBy.length === 1),
    ).toHaveLength(2);
  });

  it("skopeo and podman find the attachment where they look: 'sigstore disabled', not 'no signature'", async () => {
    const { copy, policy } = await skopeoSigstoreCopy(dir, join(cli.dockerConfig, "trust", "alice.pub"));
    await expect(copy(signed)).rejects.toThrow(/sigstore disabled/);
    await expect(copy(unsigned)).rejects.toThrow(/no signature exists/);
    const home = join(dir, "podman-home");
    execFileSync("mkdir", ["-p", join(home, ".config", "containers", "registries.d")]);
    await writeFile(
      join(home, ".config", "containers", "registries.d", "d.yaml"),
      "default-docker:\n  use-sigstore-attachments: true\n",
    );
    const podman = (ref: string) => podmanPullVerdict(box, home, policy, ref);
    expect(podman(signed)).toMatch(/sigstore disabled/);
    expect(podman(unsigned)).toMatch(/no signature exists/);
  });

  it("pull under sigstoreSigned accepts the signed image, prints the key, and refuses every tamper case with nothing stored", async () => {
    const alice = join(cli.dockerConfig, "trust", "alice.pub");
    const mallory = join(dir, "other", "mallory.pub");
    const policy = (key: string, identity?: object) => ({
      default: [{ type: "reject" }],
      transports: {
        docker: {
          [`${reg.host}/team`]: [
            { type: "sigstoreSigned", keyPath: key, ...(identity ? { signedIdentity: identity } : {}) },
          ],
        },
      },
    });
    const refused = async (ref: string, msg: RegExp) => {
      const before = storeListing(cli.root);
      const r = await cli.run(["pull", ref]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).toMatch(/^Hint: /m);
      expect(storeListing(cli.root)).toEqual(before);
    };
    await containersConfig(cli.dir, policy(mallory));
    // Mallory signed it too, so one of the two signatures is accepted under her key.
    expect(await cli.ok("pull", signed)).toContain("mallory.pub");
    await cli.ok("rmi", signed);
    await containersConfig(cli.dir, {
      default: [{ type: "sigstoreSigned", keyPath: join(dir, "nobody.pub") }],
    });
    await cli.ok("trust", "key", "generate", "nobody", "--dir", dir);
    await refused(signed, /requirement sigstoreSigned: no signature was accepted .*signed by another key/);
    await containersConfig(cli.dir, policy(alice));
    await refused(unsigned, /requirement sigstoreSigned: no signature was found/);
    // Signed for another repository: alice signs `unsigned`'s digest under the name of `signed`.
    await containersConfig(
      cli.dir,
      policy(alice, { type: "exactRepository", dockerRepository: `${reg.host}/team/other` }),
    );
    await refused(signed, /which exactRepository does not accept/);
    // A tag moved to another digest: `moved` points at signed's old digest... then moves.
    await containersConfig(cli.dir, policy(alice));
    await skopeo(
      "copy",
      "--src-tls-verify=false",
      "--dest-tls-verify=false",
      `docker://${signed}`,
      `docker://${reg.host}/team/moved:1`,
    );
    await cli.ok(
      "trust",
      "sign",
      "--key",
      join(cli.dockerConfig, "trust", "alice.key"),
      `${reg.host}/team/moved:1`,
    );
    await skopeo(
      "copy",
      "--dest-tls-verify=false",
      `oci:${join(dir, "layout")}:moved`,
      `docker://${reg.host}/team/moved:1`,
    );
    await refused(`${reg.host}/team/moved:1`, /no signature was found/);
    // Alice's signature of `signed` copied into `unsigned`'s attachment: a signature over another
    // digest; then with the payload edited to name `unsigned`'s digest: a tampered payload.
    const digestOf = async (ref: string) =>
      JSON.parse(await skopeo("inspect", "--tls-verify=false", `docker://${ref}`)).Digest as string;
    const [sd, ud] = [await digestOf(signed), await digestOf(unsigned)];
    const att = JSON.parse(
      await skopeo(
        "inspect",
        "--raw",
        "--tls-verify=false",
        `docker://${reg.host}/team/signed:${sd.replace(":", "-")}.sig`,
      ),
    );
    const first = att.layers.find((l: { digest: string }) => true && l.digest);
    const payload = Buffer.from(
      await (await fetch(`http://${reg.host}/v2/team/signed/blobs/${first.digest}`)).arrayBuffer(),
    );
    const plant = async (bytes: Buffer) => {
      const b = await putBlob(reg.host, "team/unsigned", bytes);
      const cfg = await putBlob(reg.host, "team/unsigned", Buffer.from("{}"));
      await putManifest(reg.host, "team/unsigned", `${ud.replace(":", "-")}.sig`, {
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...cfg },
        layers: [{ mediaType: first.mediaType, ...b, annotations: first.annotations }],
      });
    };
    await plant(payload);
    await containersConfig(cli.dir, policy(alice, { type: "matchRepository" }));
    await refused(unsigned, /the signature is for sha256:/);
    await plant(Buffer.from(payload.toString().replace(sd, ud).replace("team/signed", "team/unsigned")));
    await refused(unsigned, /signed by another key, or the payload was altered/);
    await containersConfig(cli.dir, policy(alice));
    const out = await cli.ok("pull", signed);
    expect(out).toMatch(/^Verified .*signed by .*alice\.pub \(SHA256:[^)]+\), sigstoreSigned/m);
    await cli.ok("rmi", signed);
  });

  it("image copy verifies a docker:// source: refused with nothing at the destination; --referrers copies the signatures along", async () => {
    const alice = join(cli.dockerConfig, "trust", "alice.pub");
    await containersConfig(cli.dir, {
      default: [{ type: "insecureAcceptAnything" }],
      transports: { docker: { [`${reg.host}/team`]: [{ type: "sigstoreSigned", keyPath: alice }] } },
    });
    const out = join(dir, "copied");
    const r = await cli.run(["image", "copy", `docker://${unsigned}`, `oci:${out}:1`]);
    expect(r.code, r.stderr).toBe(1);
    // The pull test above planted a tampered signature on `unsigned`.
    expect(r.stderr).toMatch(/refused by the signature policy: requirement sigstoreSigned/);
    expect(r.stderr).toMatch(/^Hint: /m);
    await expect(readFile(join(out, "index.json"))).rejects.toThrow(/ENOENT/);
    const r2 = await cli.run([
      "image",
      "copy",
      `docker://${unsigned}`,
      `docker://${reg.host}/mirror/unsigned:1`,
    ]);
    expect(r2.code, r2.stderr).toBe(1);
    expect(
      (await fetch(`http://${reg.host}/v2/mirror/unsigned/manifests/1`, { method: "HEAD" })).status,
    ).toBe(404);
    const mirrored = `${reg.host}/mirror/signed:1`;
    await cli.ok("image", "copy", "--referrers", `docker://${signed}`, `docker://${mirrored}`);
    const inspect = JSON.parse(await cli.ok("trust", "inspect", mirrored));
    // Both signatures (alice's, mallory's) both ways: the referrers (through the API on wharf's
    // registry, the tag schema's index on Distribution) and the `.sig` attachment.
    expect(
      inspect[0].Signatures.map((s: { Where: string }) => s.Where.replace(/ sha256:.*/, "")).sort(),
    ).toEqual(["attachment", "attachment", "referrer", "referrer"]);
  });

  it("content trust refuses what no key in the trust directory signed; run too", async () => {
    await containersConfig(cli.dir, { default: [{ type: "insecureAcceptAnything" }] });
    const before = storeListing(cli.root);
    const r = await cli.run(["pull", "--disable-content-trust=false", unsigned]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/content trust/);
    const r2 = await cli.run(["run", "--rm", "--disable-content-trust=false", unsigned, "true"]);
    expect(r2.code).toBe(125);
    expect(r2.stderr).toMatch(/content trust .*\n/); // the planted signature above is not a trusted key's
    const r3 = await cli.run(["create", "--disable-content-trust=false", unsigned, "true"]);
    expect(r3.code).toBe(125);
    expect(r3.stderr).toMatch(/content trust/);
    expect(storeListing(cli.root)).toEqual(before);
    expect(await cli.ok("pull", "--disable-content-trust=false", signed)).toMatch(/^Verified /m);
  });

  it("push --sign-by-sigstore-private-key pushes, then signs what it pushed", async () => {
    const pushed = `${reg.host}/team/pushed:1`;
    await cli.ok("tag", signed, pushed);
    const out = await cli.ok(
      "push",
      "--sign-by-sigstore-private-key",
      join(cli.dockerConfig, "trust", "alice.key"),
      pushed,
    );
    expect(out).toMatch(/signed by .*alice\.key \(SHA256:/);
    const inspect = JSON.parse(await cli.ok("trust", "inspect", pushed));
    expect(inspect[0].Signatures.map((s: { SignedReference: string }) => s.SignedReference)).toEqual([
      pushed,
      pushed,
    ]);
  });

  it("DOCKER_CONTENT_TRUST=1 push signs with the trust directory's key, as Docker's push signs; --disable-content-trust skips it", async () => {
    const trusted = `${reg.host}/team/trusted:1`;
    const plain = `${reg.host}/team/plain:1`;
    await cli.ok("tag", signed, trusted);
    await cli.ok("tag", signed, plain);
    const dct = { DOCKER_CONTENT_TRUST: "1" };
    const r = await cli.run(["push", trusted], { env: dct });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/signed by .*alice\.key \(SHA256:/);
    expect(JSON.parse(await cli.ok("trust", "inspect", trusted))[0].Signatures).toHaveLength(2);
    const skip = await cli.run(["push", "--disable-content-trust", plain], { env: dct });
    expect(skip.code, skip.stderr).toBe(0);
    expect(JSON.parse(await cli.ok("trust", "inspect", plain))[0].Signatures).toEqual([]);
    // two keys to choose from: refused before anything is pushed
    await cli.ok("trust", "key", "generate", "bob");
    try {
      const two = await cli.run(["push", `${reg.host}/team/two:1`], { env: dct });
      expect(two.code).toBe(1);
      expect(two.stderr).toMatch(/holds 2 private keys: alice\.key, bob\.key/);
      expect((await fetch(`http://${reg.host}/v2/team/two/manifests/1`, { method: "HEAD" })).status).toBe(
        404,
      );
    } finally {
      await rm(join(cli.dockerConfig, "trust", "bob.key"));
      await rm(join(cli.dockerConfig, "trust", "bob.pub"));
    }
  });

  it("revoke removes that key's signatures only", async () => {
    const out = await cli.ok("trust", "revoke", "--key", join(dir, "other", "mallory.pub"), signed);
    expect(out).toMatch(/Successfully deleted signatures \(2\)/);
    const inspect = JSON.parse(await cli.ok("trust", "inspect", signed));
    expect(inspect[0].Signatures).toHaveLength(2);
    expect(inspect[0].Signatures.every((s: { VerifiedBy: unknown[] }) => s.VerifiedBy.length === 1)).toBe(
      true,
    );
  });
});

import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addImage } from "./helpers/layout.js";
import { type RunningRegistry, startDistribution, startWharfRegistry } from "./helpers/registries.js";
import { podmanPullVerdict, run, type Sandbox, sandbox, skopeo } from "./helpers/tools.js";
import { containersConfig, gpgExport, gpgHome, gpgKill, storeListing } from "./helpers/trust.js";
import { type WharfCli, wharfCli } from "./helpers/wharf-cli.js";

/** GPG simple signing end to end with skopeo 1.9.3 and podman 4.3.1 (their sigstore support is disabled). */
describe.each(["wharf", "distribution"])("GPG simple signatures on %s's registry", (which) => {
  let reg: RunningRegistry;
  let cli: WharfCli;
  let box: Sandbox;
  let dir: string;
  let signer = "";
  let other = "";
  const lookaside = () => join(dir, "lookaside");
  const policy = (keyFile: string) => ({
    default: [{ type: "reject" }],
    transports: {
      docker: { [`${reg.host}/team`]: [{ type: "signedBy", keyType: "GPGKeys", keyPath: keyFile }] },
    },
  });
  const registriesD = () => `default-docker:\n  lookaside: file://${lookaside()}\n`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-e2e-gpg-"));
    reg = which === "wharf" ? await startWharfRegistry() : await startDistribution();
    process.env.GNUPGHOME = join(dir, "gnupg");
    [signer, other] = gpgHome(join(dir, "gnupg"), ["signer", "other"]) as [string, string];
    await writeFile(join(dir, "signer.gpg"), gpgExport(join(dir, "gnupg"), signer));
    await writeFile(join(dir, "other.gpg"), gpgExport(join(dir, "gnupg"), other));
    cli = await wharfCli();
    await cli.ok("images"); // the (empty) store exists, so a refusal's listing compares content
    box = await sandbox();
    await mkdir(join(dir, "rd"), { recursive: true });
    await writeFile(join(dir, "rd", "l.yaml"), registriesD());
    for (const tag of ["by-skopeo", "by-wharf", "tampered", "revoked"]) {
      await addImage(join(dir, "layout"), { tag, gzip: 1, layers: [[{ name: "f.bin", random: 4096 }]] });
    }
    await writeFile(join(dir, "signer-policy.json"), JSON.stringify(policy(join(dir, "signer.gpg"))));
  }, 120_000);

  afterAll(async () => {
    if (dir) gpgKill(join(dir, "gnupg"));
    await box?.close();
    await cli?.close();
    await reg?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const pushSigned = (tag: string) =>
    run("skopeo", [
      "--insecure-policy",
      "--registries.d",
      join(dir, "rd"),
      "copy",
      "--dest-tls-verify=false",
      "--sign-by",
      signer,
      `oci:${join(dir, "layout")}:${tag}`,
      `docker://${reg.host}/team/${tag}:1`,
    ]);
  const skopeoVerify = (ref: string) =>
    run("skopeo", [
      "--policy",
      join(dir, "signer-policy.json"),
      "--registries.d",
      join(dir, "rd"),
      "copy",
      "--remove-signatures",
      "--src-tls-verify=false",
      `docker://${ref}`,
      `oci:${join(dir, "out")}:x`,
    ]);
  const podmanPull = (ref: string): string => {
    const home = join(dir, "podman-home");
    execFileSync("mkdir", ["-p", join(home, ".config", "containers", "registries.d")]);
    execFileSync("cp", [join(dir, "rd", "l.yaml"), join(home, ".config", "containers", "registries.d")]);
    return podmanPullVerdict(box, home, join(dir, "signer-policy.json"), ref);
  };
  const refused = async (ref: string, msg: RegExp) => {
    const before = storeListing(cli.root);
    const r = await cli.run(["pull", ref]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(msg);
    expect(storeListing(cli.root)).toEqual(before);
  };

  it("skopeo --sign-by into a lookaside → wharf pull under signedBy accepts it, and refuses it with another key", async () => {
    await pushSigned("by-skopeo");
    const ref = `${reg.host}/team/by-skopeo:1`;
    await containersConfig(cli.dir, policy(join(dir, "other.gpg")), registriesD());
    await refused(
      ref,
      /requirement signedBy: no signature was accepted \(1 found: signed by an unknown key\)/,
    );
    await containersConfig(cli.dir, policy(join(dir, "signer.gpg")), registriesD());
    const out = await cli.ok("pull", ref);
    expect(out).toMatch(
      new RegExp(
        `^Verified ${ref}@sha256:[0-9a-f]{64}: signed by .*signer\\.gpg \\(${signer}\\), signedBy`,
        "m",
      ),
    );
  });

  it("wharf trust sign --sign-by → skopeo and podman accept it under the same policy", async () => {
    await skopeo(
      "copy",
      "--dest-tls-verify=false",
      `oci:${join(dir, "layout")}:by-wharf`,
      `docker://${reg.host}/team/by-wharf:1`,
    );
    const ref = `${reg.host}/team/by-wharf:1`;
    const out = await cli.ok("trust", "sign", "--sign-by", signer, ref);
    expect(out).toContain(`signed by GPG key ${signer}`);
    expect(await cli.ok("trust", "sign", "--sign-by", signer, ref)).toContain("already signed");
    await skopeoVerify(ref);
    expect(podmanPull(ref)).toBe("accepted");
    const inspect = JSON.parse(await cli.ok("trust", "inspect", ref));
    expect(inspect[0].Signatures).toEqual([
      expect.objectContaining({
        Kind: "gpg",
        Where: "lookaside",
        SignedReference: ref,
        MatchesDigest: true,
        VerifiedBy: [{ Key: join(dir, "signer.gpg"), Fingerprint: signer }],
      }),
    ]);
  });

  it("a tampered copy is refused by skopeo, podman and wharf (nothing stored)", async () => {
    await pushSigned("tampered");
    const ref = `${reg.host}/team/tampered:1`;
    const sigDir = join(
      lookaside(),
      "team",
      (await readdir(join(lookaside(), "team"))).find((n) => n.startsWith("tampered@")) as string,
    );
    const sig = await readFile(join(sigDir, "signature-1"));
    sig[sig.length - 30] = (sig[sig.length - 30] ?? 0) ^ 0x55;
    await writeFile(join(sigDir, "signature-1"), sig);
    await expect(skopeoVerify(ref)).rejects.toThrow(/rejected/);
    expect(podmanPull(ref)).toMatch(/rejected|invalid|signature/i);
    await refused(ref, /requirement signedBy: no signature was accepted/);
    // The by-wharf signature moved onto another digest (a tag moved): refused for the digest.
    const byWharf = join(
      lookaside(),
      "team",
      (await readdir(join(lookaside(), "team"))).find((n) => n.startsWith("by-wharf@")) as string,
    );
    await writeFile(join(sigDir, "signature-1"), await readFile(join(byWharf, "signature-1")));
    await refused(ref, /the signature is for sha256:/);
  });

  it("trust revoke removes one key's GPG signature from the lookaside and renumbers; the other still verifies", async () => {
    await skopeo(
      "copy",
      "--dest-tls-verify=false",
      `oci:${join(dir, "layout")}:revoked`,
      `docker://${reg.host}/team/revoked:1`,
    );
    const ref = `${reg.host}/team/revoked:1`;
    await containersConfig(cli.dir, policy(join(dir, "other.gpg")), registriesD());
    await cli.ok("trust", "sign", "--sign-by", signer, ref);
    await cli.ok("trust", "sign", "--sign-by", other, ref);
    const sigDir = join(
      lookaside(),
      "team",
      (await readdir(join(lookaside(), "team"))).find((n) => n.startsWith("revoked@")) as string,
    );
    expect((await readdir(sigDir)).sort()).toEqual(["signature-1", "signature-2"]);
    const otherSig = await readFile(join(sigDir, "signature-2"));
    // signer's signature is signature-1: removing it must move other's down, or readers stop at the gap.
    const out = await cli.ok("trust", "revoke", "--key", join(dir, "signer.gpg"), ref);
    expect(out).toMatch(
      new RegExp(
        `^Successfully deleted GPG signature \\(1\\) of ${ref}@sha256:[0-9a-f]{64} by GPG key ${signer} from file://`,
        "m",
      ),
    );
    expect(await readdir(sigDir)).toEqual(["signature-1"]);
    expect((await readFile(join(sigDir, "signature-1"))).equals(otherSig)).toBe(true);
    expect(await cli.ok("trust", "revoke", "--sign-by", signer, ref)).toMatch(/^No GPG signature of /m);
    // The other key's signature verifies with skopeo and wharf; the signer's policy now finds none of its own.
    await writeFile(join(dir, "other-policy.json"), JSON.stringify(policy(join(dir, "other.gpg"))));
    await run("skopeo", [
      "--policy",
      join(dir, "other-policy.json"),
      "--registries.d",
      join(dir, "rd"),
      "copy",
      "--remove-signatures",
      "--src-tls-verify=false",
      `docker://${ref}`,
      `oci:${join(dir, "out-revoked")}:x`,
    ]);
    await expect(skopeoVerify(ref)).rejects.toThrow(/rejected|not signed|unknown/i);
    expect(await cli.ok("pull", ref)).toMatch(
      new RegExp(`^Verified ${ref}@sha256:.*\\(${other}\\), signedBy`, "m"),
    );
    await cli.ok("rmi", ref);
    await containersConfig(cli.dir, policy(join(dir, "signer.gpg")), registriesD());
    await refused(
      ref,
      /requirement signedBy: no signature was accepted \(1 found: signed by an unknown key\)/,
    );
  });
});

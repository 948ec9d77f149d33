import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { gpgSign, gpgVerify, keyringFor, v4Fingerprints } from "./gpg.js";

const dir = mkdtempSync(join(tmpdir(), "wharf-gpg-"));
afterAll(() => {
  // Key generation and signing started a gpg-agent per home: stopped with the homes.
  for (const name of ["a", "b"]) {
    try {
      execFileSync("gpgconf", ["--homedir", join(dir, name), "--kill", "gpg-agent"]);
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh GnuPG home with one ed25519 signing key: its exported key (binary, armored) and fingerprint. */
function makeKey(name: string) {
  const home = join(dir, name);
  execFileSync("mkdir", ["-m", "700", home]);
  const env = { ...process.env, GNUPGHOME: home };
  const quiet = { env, stdio: ["ignore", "pipe", "ignore"] as ["ignore", "pipe", "ignore"] };
  execFileSync(
    "gpg",
    [
      "--batch",
      "--pinentry-mode",
      "loopback",
      "--passphrase",
      "",
      "--quick-gen-key",
      `${name} <${name}@t>`,
      "ed25519",
      "sign",
      "never",
    ],
    quiet,
  );
  const colons = execFileSync("gpg", ["--with-colons", "--list-keys"], quiet).toString();
  const fpr =
    colons
      .split("\n")
      .find((l) => l.startsWith("fpr:"))
      ?.split(":")[9] ?? "";
  const binary = execFileSync("gpg", ["--batch", "--export", fpr], quiet);
  const armored = execFileSync("gpg", ["--batch", "--armor", "--export", fpr], quiet);
  return { env, fpr, binary, armored };
}

const a = makeKey("a");
const b = makeKey("b");
const payload = Buffer.from('{"critical":{}}');

describe("gpg keyrings", () => {
  it("computes the v4 fingerprints gpg reports, and declines what is not a binary key", () => {
    expect(v4Fingerprints(a.binary)).toEqual([a.fpr]);
    expect(v4Fingerprints(Buffer.concat([a.binary, b.binary]))).toEqual([a.fpr, b.fpr]);
    expect(v4Fingerprints(a.armored)).toBeUndefined();
    expect(v4Fingerprints(a.binary.subarray(0, 10))).toBeUndefined();
  });

  it("verifies with gpgv on a plain keyring for binary keys, the same verdicts as an imported one", async () => {
    const cache = join(dir, "cache");
    const plain = await keyringFor([a.binary], cache);
    expect(plain.keyring).toBeDefined();
    expect(plain.fingerprints).toEqual([a.fpr]);
    expect(existsSync(join(plain.home, "pubring.kbx"))).toBe(false); // nothing imported
    const again = await keyringFor([a.binary], cache);
    expect(again).toEqual(plain);

    const imported = await keyringFor([a.armored], cache);
    expect(imported.keyring).toBeUndefined();
    expect(imported.fingerprints).toEqual([a.fpr]);

    const good = await gpgSign(a.fpr, payload, { env: a.env });
    const foreign = await gpgSign(b.fpr, payload, { env: b.env });
    const altered = Buffer.from(good);
    const at = altered.indexOf(payload);
    altered[at + 2] = 0x41;
    for (const ring of [plain, imported]) {
      await expect(gpgVerify(ring, good)).resolves.toEqual({ ok: true, payload, fingerprint: a.fpr });
      await expect(gpgVerify(ring, foreign)).resolves.toEqual({
        ok: false,
        reason: "signed by an unknown key",
      });
      await expect(gpgVerify(ring, altered)).resolves.toMatchObject({ ok: false });
      await expect(gpgVerify(ring, Buffer.from("junk"))).resolves.toMatchObject({ ok: false });
    }
  });
});

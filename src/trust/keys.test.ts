import { execFileSync } from "node:child_process";
import { createPublicKey } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COSIGN_PEM, decryptPrivateKey, generateKeyPair, readPem } from "./cosign-key.js";
import { decodeBase64, parsePublicKey, signPayload, verifyPayload } from "./keys.js";

const data = (n: string) => readFileSync(join(import.meta.dirname, "testdata", n), "utf8");

describe("cosign encrypted private keys", () => {
  it("writes cosign's PEM type and JSON envelope (scrypt N=32768 r=8 p=1, nacl/secretbox)", () => {
    const { privatePem, publicPem } = generateKeyPair("s3cret");
    const block = readPem(privatePem);
    expect(block?.type).toBe(COSIGN_PEM);
    const env = JSON.parse(block?.bytes.toString() ?? "{}");
    expect(Object.keys(env).sort()).toEqual(["cipher", "ciphertext", "kdf"]);
    expect(env.kdf.name).toBe("scrypt");
    expect(env.kdf.params).toEqual({ N: 32768, r: 8, p: 1 });
    expect(Buffer.from(env.kdf.salt, "base64")).toHaveLength(32);
    expect(env.cipher.name).toBe("nacl/secretbox");
    expect(Buffer.from(env.cipher.nonce, "base64")).toHaveLength(24);
    const key = decryptPrivateKey(privatePem, "s3cret");
    expect(key.asymmetricKeyType).toBe("ec");
    expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(createPublicKey(key).export({ type: "spki", format: "pem" })).toBe(publicPem);
  });

  it("refuses a wrong passphrase with a clear error", () => {
    const { privatePem } = generateKeyPair("right");
    expect(() => decryptPrivateKey(privatePem, "wrong", "k.key")).toThrow(
      /k\.key: decryption failed: wrong passphrase, or the key file was altered/,
    );
  });

  it("decrypts the SIGSTORE-labelled key published in cosign's tests; its signatures verify with openssl", () => {
    const key = decryptPrivateKey(data("cosign-sigstore-key.pem"), "hello");
    expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    const dir = mkdtempSync(join(tmpdir(), "wharf-trust-"));
    const payload = Buffer.from('{"critical":{}}');
    writeFileSync(join(dir, "payload"), payload);
    writeFileSync(join(dir, "sig"), signPayload(key, payload));
    writeFileSync(join(dir, "key.pub"), createPublicKey(key).export({ type: "spki", format: "pem" }));
    const out = execFileSync("openssl", [
      "dgst",
      "-sha256",
      "-verify",
      join(dir, "key.pub"),
      "-signature",
      join(dir, "sig"),
      join(dir, "payload"),
    ]);
    expect(out.toString()).toContain("Verified OK");
  });

  it("refuses an altered copy of cosign's key, and its SEC1 key as cosign does", () => {
    const pem = data("cosign-sigstore-key.pem");
    const block = readPem(pem);
    const env = JSON.parse(block?.bytes.toString() ?? "{}");
    const ct = Buffer.from(env.ciphertext, "base64");
    ct[10] = (ct[10] ?? 0) ^ 1;
    env.ciphertext = ct.toString("base64");
    const altered = `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${Buffer.from(JSON.stringify(env)).toString("base64")}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
    expect(() => decryptPrivateKey(altered, "hello")).toThrow(/decryption failed/);
    expect(() => decryptPrivateKey(data("cosign-ec-key.pem"), "hello")).toThrow(/not a PKCS#8 private key/);
    expect(() =>
      decryptPrivateKey("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----", "x"),
    ).toThrow(/PEM type EC PRIVATE KEY/);
  });
});

describe("sigstore signatures", () => {
  it("verify with the key that made them, not another, and not over altered bytes", () => {
    const a = generateKeyPair("a");
    const b = generateKeyPair("b");
    const pa = parsePublicKey(a.publicPem, "a.pub");
    const pb = parsePublicKey(b.publicPem, "b.pub");
    const payload = Buffer.from("payload");
    const sig = signPayload(a.privateKey, payload);
    expect(verifyPayload(pa, payload, sig)).toBe(true);
    expect(verifyPayload(pb, payload, sig)).toBe(false);
    expect(verifyPayload(pa, Buffer.from("payloaD"), sig)).toBe(false);
    expect(pa.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(pa.fingerprint).not.toBe(pb.fingerprint);
  });

  it("reads base64 strictly and refuses what is not a public key", () => {
    expect(decodeBase64("AAAA")).toEqual(Buffer.from([0, 0, 0]));
    expect(decodeBase64("AA!A")).toBeUndefined();
    expect(() => parsePublicKey("nonsense", "x.pub")).toThrow(/x\.pub is not a public key/);
  });
});

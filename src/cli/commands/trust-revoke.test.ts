import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isOpenPgpKey } from "./trust-revoke.js";

describe("trust revoke's key kinds", () => {
  it("tells OpenPGP keys (armored or binary) from PEM sigstore keys", () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pem = Buffer.from(publicKey.export({ type: "spki", format: "pem" }).toString());
    expect(isOpenPgpKey(pem)).toBe(false);
    expect(isOpenPgpKey(Buffer.from("-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\nabc\n"))).toBe(false);
    expect(isOpenPgpKey(Buffer.from("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ\n"))).toBe(true);
    // A binary public-key packet: new-format tag 6 (0xc6) or old-format (0x99).
    expect(isOpenPgpKey(Buffer.from([0x99, 0x00, 0x33, 0x04]))).toBe(true);
    expect(isOpenPgpKey(Buffer.from([0xc6, 0x33, 0x04]))).toBe(true);
  });
});

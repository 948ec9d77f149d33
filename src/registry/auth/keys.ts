import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  X509Certificate,
} from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { errnoCode, WharfError } from "../../errors/index.js";
import { writeFileAtomic } from "../../files/index.js";

export type SigningAlgorithm = "ES256" | "ES384" | "ES512" | "RS256";

/** The key the built-in token server signs with. */
export interface SigningKey {
  alg: SigningAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** libtrust key ID of the public key, sent as the JWT `kid` (what Distribution 2.x looks up). */
  kid: string;
  /** Certificate chain (base64 DER) sent as `x5c` when a certificate for the key is configured. */
  x5c?: string[];
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/**
 * docker/libtrust's key ID: SHA-256 of the DER SubjectPublicKeyInfo, its first 240 bits in base32,
 * in 12 groups of 4 joined by colons. Distribution 2.x matches a token's `kid` against the key IDs
 * of the certificates in its `rootcertbundle`.
 */
export function libtrustKeyId(key: KeyObject): string {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  const der = pub.export({ type: "spki", format: "der" });
  const s = base32(createHash("sha256").update(der).digest().subarray(0, 30));
  return (s.match(/.{4}/g) ?? []).join(":");
}

/** The JWS algorithm for a key: ES256/384/512 by curve for EC keys, RS256 for RSA. */
export function algorithmFor(key: KeyObject): SigningAlgorithm {
  if (key.asymmetricKeyType === "rsa") return "RS256";
  if (key.asymmetricKeyType === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === "prime256v1" || curve === "P-256") return "ES256";
    if (curve === "secp384r1" || curve === "P-384") return "ES384";
    if (curve === "secp521r1" || curve === "P-521") return "ES512";
  }
  throw new WharfError(
    "config-invalid",
    `unsupported token signing key type ${key.asymmetricKeyType ?? "?"}`,
    {
      hint: "use an EC (P-256, P-384, P-521) or RSA private key in PEM form",
    },
  );
}

function generate(alg: "ES256" | "RS256"): KeyObject {
  const pair =
    alg === "RS256"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : generateKeyPairSync("ec", { namedCurve: "P-256" });
  return pair.privateKey;
}

function pemCertificates(text: string): X509Certificate[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

async function readConfigFile(path: string, what: string, key: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new WharfError(
      "config-invalid",
      `cannot read ${what} ${path} (${key}): ${errnoCode(e) ?? String(e)}`,
      {
        cause: e,
      },
    );
  }
}

/**
 * The token server's key: read from `path` (PEM, PKCS#8 or traditional) when the file exists,
 * otherwise generated with `algorithm` (default ES256) and, when `path` is given, written there
 * (mode 0600) so that tokens survive a restart. `certificate` (PEM chain for the key) adds `x5c`.
 */
export async function loadSigningKey(opts: {
  path?: string;
  algorithm?: "ES256" | "RS256";
  certificate?: string;
}): Promise<SigningKey> {
  let privateKey: KeyObject | undefined;
  if (opts.path !== undefined) {
    try {
      privateKey = createPrivateKey(await readFile(opts.path, "utf8"));
    } catch (e) {
      if (errnoCode(e) !== "ENOENT") {
        throw new WharfError("config-invalid", `cannot load token signing key ${opts.path}: ${String(e)}`, {
          cause: e,
          hint: "give a PEM private key, or a path where wharf may create one",
        });
      }
    }
  }
  if (privateKey === undefined) {
    privateKey = generate(opts.algorithm ?? "ES256");
    if (opts.path !== undefined) {
      await mkdir(dirname(opts.path), { recursive: true });
      await writeFileAtomic(opts.path, privateKey.export({ type: "pkcs8", format: "pem" }) as string, {
        mode: 0o600,
      });
    }
  }
  const publicKey = createPublicKey(privateKey);
  const key: SigningKey = {
    alg: algorithmFor(privateKey),
    privateKey,
    publicKey,
    kid: libtrustKeyId(publicKey),
  };
  if (opts.certificate !== undefined) {
    const certs = pemCertificates(await readConfigFile(opts.certificate, "certificate", "certificate"));
    const leaf = certs[0];
    if (!leaf?.publicKey.equals(publicKey)) {
      throw new WharfError(
        "config-invalid",
        `certificate ${opts.certificate} is not for the token signing key`,
      );
    }
    key.x5c = certs.map((c) => c.raw.toString("base64"));
  }
  return key;
}

/** Reads a PEM bundle of trusted certificates (Distribution's `auth.token.rootcertbundle`). */
export async function loadCertBundle(path: string): Promise<X509Certificate[]> {
  const certs = pemCertificates(
    await readConfigFile(path, "root certificate bundle", "auth.token.rootcertbundle"),
  );
  if (certs.length === 0) {
    throw new WharfError("config-invalid", `no certificates in ${path} (auth.token.rootcertbundle)`);
  }
  return certs;
}

/** The header fields of a JWS that name its key. */
export interface KeyHints {
  kid?: string;
  x5c?: string[];
  jwk?: JsonWebKey;
}

/**
 * Finds the key that must have signed a token, as Distribution does: an `x5c` chain must lead to a
 * trusted root certificate; otherwise a `jwk` or `kid` must name a trusted key (by libtrust key ID).
 * Throws when the token names no trusted key.
 */
export function trustedKeyResolver(roots: readonly X509Certificate[], keys: readonly KeyObject[]) {
  const byId = new Map<string, KeyObject>();
  for (const k of [...roots.map((c) => c.publicKey), ...keys]) byId.set(libtrustKeyId(k), k);
  const now = () => new Date();
  const valid = (c: X509Certificate) => new Date(c.validFrom) <= now() && now() <= new Date(c.validTo);

  return (hints: KeyHints): KeyObject => {
    if (hints.x5c !== undefined && hints.x5c.length > 0) {
      const chain = hints.x5c.map((b64) => new X509Certificate(Buffer.from(b64, "base64")));
      for (const [i, cert] of chain.entries()) {
        if (!valid(cert)) throw new Error("a certificate in x5c is expired or not yet valid");
        const next = chain[i + 1];
        if (next && !(cert.checkIssued(next) && cert.verify(next.publicKey))) {
          throw new Error("x5c is not a certificate chain");
        }
      }
      const top = chain[chain.length - 1] as X509Certificate;
      const anchored = roots.some(
        (r) => r.fingerprint256 === top.fingerprint256 || (top.checkIssued(r) && top.verify(r.publicKey)),
      );
      if (!anchored) throw new Error("x5c does not lead to a trusted root certificate");
      return (chain[0] as X509Certificate).publicKey;
    }
    if (hints.jwk !== undefined) {
      const key = createPublicKey({ key: hints.jwk, format: "jwk" });
      const trusted = byId.get(libtrustKeyId(key));
      if (!trusted) throw new Error("jwk is not a trusted key");
      return trusted;
    }
    if (hints.kid !== undefined) {
      const trusted = byId.get(hints.kid);
      if (!trusted) throw new Error(`unknown signing key ${hints.kid}`);
      return trusted;
    }
    throw new Error("token names no signing key (kid, x5c or jwk)");
  };
}

import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  scryptSync,
} from "node:crypto";
import { xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import { WharfError } from "../errors/index.js";

/** The PEM type cosign writes (and `ENCRYPTED SIGSTORE PRIVATE KEY`, which newer cosign writes). */
export const COSIGN_PEM = "ENCRYPTED COSIGN PRIVATE KEY";
export const SIGSTORE_PEM = "ENCRYPTED SIGSTORE PRIVATE KEY";

/** cosign's scrypt parameters (sigstore's `encrypted` package): N=2^15, r=8, p=1, a 32-byte key. */
const SCRYPT = { N: 32768, r: 8, p: 1 } as const;
const KEY_LEN = 32;
const SALT_LEN = 32;
const NONCE_LEN = 24;
/** The largest N read from a key file: cosign's tests use 65536; more only costs memory. */
const MAX_N = 1 << 20;

interface Envelope {
  kdf: { name: "scrypt"; params: { N: number; r: number; p: number }; salt: string };
  cipher: { name: "nacl/secretbox"; nonce: string };
  ciphertext: string;
}

function pemBlock(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join("\n")}\n-----END ${type}-----\n`;
}

/** The first PEM block of `text`: its type and bytes. */
export function readPem(text: string): { type: string; bytes: Buffer } | undefined {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) return undefined;
  return {
    type: m[1] as string,
    bytes: Buffer.from((m[2] as string).replace(/[^A-Za-z0-9+/=]/g, ""), "base64"),
  };
}

function deriveKey(passphrase: string, salt: Uint8Array, p: { N: number; r: number; p: number }): Buffer {
  return scryptSync(Buffer.from(passphrase, "utf8"), salt, KEY_LEN, {
    N: p.N,
    r: p.r,
    p: p.p,
    maxmem: 256 * p.N * p.r + 1024 * 1024,
  });
}

/** Encrypts a private key as cosign does: PKCS#8 DER, scrypt, nacl/secretbox, JSON, PEM. */
export function encryptPrivateKey(key: KeyObject, passphrase: string, pemType = COSIGN_PEM): string {
  const der = key.export({ type: "pkcs8", format: "der" });
  const salt = randomBytes(SALT_LEN);
  const nonce = randomBytes(NONCE_LEN);
  const box = xsalsa20poly1305(deriveKey(passphrase, salt, SCRYPT), nonce).encrypt(der);
  const envelope: Envelope = {
    kdf: { name: "scrypt", params: { ...SCRYPT }, salt: salt.toString("base64") },
    cipher: { name: "nacl/secretbox", nonce: nonce.toString("base64") },
    ciphertext: Buffer.from(box).toString("base64"),
  };
  return pemBlock(pemType, Buffer.from(JSON.stringify(envelope)));
}

function badKey(source: string, why: string, cause?: unknown): WharfError {
  return new WharfError("invalid-argument", `${source}: ${why}`, {
    hint: "give an encrypted private key as `wharf trust key generate` or `cosign generate-key-pair` writes it",
    ...(cause === undefined ? {} : { cause }),
  });
}

function parseEnvelope(bytes: Buffer, source: string): Envelope {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw badKey(source, "the encrypted key is not JSON", e);
  }
  const env = doc as Partial<Envelope>;
  const kdf = env.kdf;
  const params = kdf?.params;
  if (kdf?.name !== "scrypt" || !params || typeof kdf.salt !== "string")
    throw badKey(source, "the key's kdf is not scrypt");
  for (const v of [params.N, params.r, params.p]) {
    if (!Number.isInteger(v) || v < 1) throw badKey(source, "the key's scrypt parameters are invalid");
  }
  if (params.N > MAX_N || (params.N & (params.N - 1)) !== 0)
    throw badKey(source, `scrypt N=${params.N} is not allowed`);
  if (env.cipher?.name !== "nacl/secretbox" || typeof env.cipher.nonce !== "string") {
    throw badKey(source, "the key's cipher is not nacl/secretbox");
  }
  if (typeof env.ciphertext !== "string") throw badKey(source, "the key has no ciphertext");
  return env as Envelope;
}

/**
 * Decrypts a cosign/sigstore encrypted private key. A wrong passphrase (or an altered file) fails
 * the secretbox's authentication and is reported as such.
 */
export function decryptPrivateKey(pem: string, passphrase: string, source = "the private key"): KeyObject {
  const block = readPem(pem);
  if (!block) throw badKey(source, "no PEM block");
  if (block.type !== COSIGN_PEM && block.type !== SIGSTORE_PEM) {
    throw badKey(source, `PEM type ${block.type} is not ${COSIGN_PEM} or ${SIGSTORE_PEM}`);
  }
  const env = parseEnvelope(block.bytes, source);
  const nonce = Buffer.from(env.cipher.nonce, "base64");
  if (nonce.length !== NONCE_LEN) throw badKey(source, "the key's nonce is not 24 bytes");
  const key = deriveKey(passphrase, Buffer.from(env.kdf.salt, "base64"), env.kdf.params);
  let der: Uint8Array;
  try {
    der = xsalsa20poly1305(key, nonce).decrypt(Buffer.from(env.ciphertext, "base64"));
  } catch {
    throw new WharfError(
      "invalid-argument",
      `${source}: decryption failed: wrong passphrase, or the key file was altered`,
      {
        hint: "give the passphrase the key was made with (prompted, WHARF_TRUST_PASSPHRASE or --passphrase-file)",
      },
    );
  }
  try {
    return createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
  } catch (e) {
    throw badKey(source, "the decrypted key is not a PKCS#8 private key", e);
  }
}

/** A new ECDSA P-256 key pair: the encrypted private key PEM and the public key PEM. */
export function generateKeyPair(passphrase: string): {
  privatePem: string;
  publicPem: string;
  privateKey: KeyObject;
} {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const publicPem = createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString();
  return { privatePem: encryptPrivateKey(privateKey, passphrase), publicPem, privateKey };
}

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { access, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WharfError } from "../errors/index.js";

interface Ran {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs gpg with `input` on stdin; never throws for a non-zero exit (the caller reads the status). */
function gpg(
  args: string[],
  input: Uint8Array,
  env: NodeJS.ProcessEnv = process.env,
  bin = "gpg",
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const base = bin === "gpg" ? ["--batch", "--no-tty", "--quiet"] : ["--quiet"];
    const child = spawn(bin, [...base, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env,
    });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    child.once("error", (e) =>
      reject(
        new WharfError("io", "cannot run gpg", {
          hint: "install GnuPG (Debian: apt-get install gnupg) for GPG simple signatures",
          cause: e,
        }),
      ),
    );
    child.once("close", (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.on("error", () => undefined);
    child.stdin.end(Buffer.from(input));
  });
}

/** The fingerprints in gpg's `--with-colons` output (`fpr:` records). */
function fingerprintsIn(colons: string): string[] {
  return colons
    .split("\n")
    .filter((l) => l.startsWith("fpr:"))
    .map((l) => l.split(":")[9] ?? "")
    .filter(Boolean);
}

/**
 * The primary-key fingerprints of a binary OpenPGP key block (RFC 4880: v4 fingerprint = SHA-1 of
 * 0x99, the two-byte length and the public-key packet's body), or undefined for anything else
 * (armored, v3/v5/v6 keys, partial lengths, no key): those go through `gpg --import`.
 */
export function v4Fingerprints(block: Uint8Array): string[] | undefined {
  const fprs: string[] = [];
  let i = 0;
  while (i < block.length) {
    const b = block[i++] ?? 0;
    if ((b & 0x80) === 0) return undefined;
    let tag: number;
    let len: number;
    if (b & 0x40) {
      tag = b & 0x3f;
      const l0 = block[i++] ?? 256;
      if (l0 < 192) len = l0;
      else if (l0 < 224) len = ((l0 - 192) << 8) + (block[i++] ?? 0) + 192;
      else if (l0 === 255) {
        if (i + 4 > block.length) return undefined;
        len = Buffer.from(block.subarray(i, i + 4)).readUInt32BE(0);
        i += 4;
      } else return undefined;
    } else {
      tag = (b >> 2) & 0x0f;
      const n = [1, 2, 4][b & 3];
      if (n === undefined || i + n > block.length) return undefined;
      len = Buffer.from(block.subarray(i, i + n)).readUIntBE(0, n);
      i += n;
    }
    if (i + len > block.length) return undefined;
    const body = block.subarray(i, i + len);
    i += len;
    if (tag !== 6) continue;
    if (body[0] !== 4 || len > 0xffff) return undefined;
    const head = Buffer.from([0x99, len >> 8, len & 0xff]);
    fprs.push(createHash("sha1").update(head).update(body).digest("hex").toUpperCase());
  }
  return fprs.length > 0 ? fprs : undefined;
}

/** gpg options for public-key work: no agent is started (and so none is left running). */
const NO_AGENT = ["--no-autostart"];

export interface Keyring {
  home: string;
  fingerprints: string[];
  /** A plain keyring file for `gpgv --keyring` (binary keys, nothing imported), when there is one. */
  keyring?: string;
}

/** The keyring file `gpgv` reads in a cached home made from binary keys. */
const GPGV_RING = "trustedkeys.gpg";

/**
 * A GnuPG home holding exactly `keys` (binary or armored keyrings, as policy.json's keyPath /
 * keyData give them), kept under `cacheDir` by the keys' hash so that the next verification with
 * the same keys imports nothing.
 */
export async function keyringFor(keys: Uint8Array[], cacheDir: string): Promise<Keyring> {
  const h = createHash("sha256");
  for (const k of keys) h.update(createHash("sha256").update(k).digest());
  const home = join(cacheDir, `gpg-${h.digest("hex").slice(0, 32)}`);
  const known = await readFile(join(home, "fingerprints"), "utf8").then(
    (t) => t.split("\n").filter(Boolean),
    () => undefined,
  );
  if (known) {
    const ring = join(home, GPGV_RING);
    const plain = await access(ring).then(
      () => true,
      () => false,
    );
    return plain ? { home, fingerprints: known, keyring: ring } : { home, fingerprints: known };
  }
  await mkdir(cacheDir, { recursive: true });
  const tmp = await mkdtemp(join(cacheDir, ".gpg-"));
  try {
    // Binary v4 keys (what `gpg --export` writes and skopeo's policies name) need no import: their
    // concatenation is a keyring `gpgv` reads, and their fingerprints are computed here, so a
    // verification with new keys runs one process instead of `gpg --import` then `gpg --decrypt`.
    const direct = keys.map(v4Fingerprints);
    const plain = direct.every((f) => f !== undefined);
    const fprs: string[] = [];
    if (plain) {
      fprs.push(...(direct.flat() as string[]));
      await writeFile(join(tmp, GPGV_RING), Buffer.concat(keys.map((k) => Buffer.from(k))));
    } else {
      for (const k of keys) {
        const r = await gpg(
          [...NO_AGENT, "--homedir", tmp, "--with-colons", "--import-options", "import-show", "--import"],
          k,
        );
        fprs.push(...fingerprintsIn(r.stdout.toString()));
        if (r.code !== 0) {
          throw new WharfError("config-invalid", "the policy's GPG keys cannot be imported", {
            hint: `gpg said: ${r.stderr.trim().split("\n").pop() ?? ""}`,
          });
        }
      }
    }
    await writeFile(join(tmp, "fingerprints"), `${fprs.join("\n")}\n`);
    // A home already there was made by another process from the same keys (the name is their hash).
    await rename(tmp, home).catch(async () => rm(tmp, { recursive: true, force: true }));
    return plain
      ? { home, fingerprints: fprs, keyring: join(home, GPGV_RING) }
      : { home, fingerprints: fprs };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

export type GpgVerdict = { ok: true; payload: Buffer; fingerprint: string } | { ok: false; reason: string };

/**
 * Verifies an OpenPGP signed message (a simple signature) against the keyring: the signed payload
 * and the signing key's primary fingerprint, which must be one of the keyring's keys.
 */
export async function gpgVerify(ring: Keyring, message: Uint8Array): Promise<GpgVerdict> {
  const r = ring.keyring
    ? await gpg(
        ["--homedir", ring.home, "--keyring", ring.keyring, "--status-fd", "2", "--output", "-"],
        message,
        process.env,
        "gpgv",
      )
    : await gpg(
        [...NO_AGENT, "--homedir", ring.home, "--status-fd", "2", "--trust-model", "always", "--decrypt"],
        message,
      );
  const status = r.stderr.split("\n").filter((l) => l.startsWith("[GNUPG:] "));
  const valid = status.find((l) => l.startsWith("[GNUPG:] VALIDSIG "));
  if (r.code !== 0 || valid === undefined) {
    if (status.some((l) => l.startsWith("[GNUPG:] NO_PUBKEY ")))
      return { ok: false, reason: "signed by an unknown key" };
    if (status.some((l) => l.startsWith("[GNUPG:] BADSIG ")))
      return { ok: false, reason: "the signature is invalid (altered)" };
    return { ok: false, reason: "not a valid OpenPGP signature" };
  }
  const fields = valid.split(" ");
  const primary = fields[11] ?? fields[2] ?? "";
  if (!ring.fingerprints.includes(primary))
    return { ok: false, reason: `signed by key ${primary}, not a trusted one` };
  return { ok: true, payload: r.stdout, fingerprint: primary };
}

/**
 * Signs payload bytes with the GPG key `fingerprint` (an inline, binary OpenPGP message, as
 * `skopeo --sign-by` makes), from the GnuPG home of `env` (`GNUPGHOME`), unattended: a passphrase
 * comes from `passphraseFile` through loopback pinentry.
 */
export async function gpgSign(
  fingerprint: string,
  payload: Uint8Array,
  opts: { env?: NodeJS.ProcessEnv; passphraseFile?: string } = {},
): Promise<Buffer> {
  const pass = opts.passphraseFile
    ? ["--pinentry-mode", "loopback", "--passphrase-file", opts.passphraseFile]
    : [];
  const r = await gpg([...pass, "--local-user", fingerprint, "--sign", "--output", "-"], payload, opts.env);
  if (r.code !== 0 || r.stdout.length === 0) {
    throw new WharfError("invalid-argument", `cannot sign with the GPG key ${fingerprint}`, {
      hint: `gpg said: ${r.stderr.trim().split("\n").pop() ?? "nothing"}; check GNUPGHOME and the fingerprint`,
    });
  }
  return r.stdout;
}

/** A throwaway directory under the system's temp dir, for callers without a cache. */
export function tempCache(): Promise<string> {
  return mkdtemp(join(tmpdir(), "wharf-gpg-"));
}

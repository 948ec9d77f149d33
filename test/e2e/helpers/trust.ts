import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "./tools.js";

/** Every file under a wharf root's store and its size, plus index.json: to show a refusal stored nothing. */
export function storeListing(root: string): string[] {
  const store = join(root, "store");
  const out: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(`${p.slice(store.length)} ${statSync(p).size}`);
    }
  };
  walk(store);
  const index = join(store, "index.json");
  if (existsSync(index)) out.push(readFileSync(index, "utf8"));
  return out;
}

/** Writes `$HOME/.config/containers/{policy.json,registries.d/wharf.yaml}` for a CLI whose HOME is `home`. */
export async function containersConfig(home: string, policy: unknown, registriesD?: string): Promise<string> {
  const dir = join(home, ".config", "containers");
  await mkdir(join(dir, "registries.d"), { recursive: true });
  const path = join(dir, "policy.json");
  await writeFile(path, JSON.stringify(policy));
  if (registriesD !== undefined) await writeFile(join(dir, "registries.d", "wharf.yaml"), registriesD);
  return path;
}

/** A throwaway GnuPG home with one unprotected signing key per name; their fingerprints. */
export function gpgHome(home: string, names: string[]): string[] {
  execFileSync("mkdir", ["-m", "700", "-p", home]);
  const gpg = (...a: string[]) =>
    execFileSync("gpg", [
      "--batch",
      "--pinentry-mode",
      "loopback",
      "--passphrase",
      "",
      "--homedir",
      home,
      ...a,
    ]);
  for (const n of names) gpg("--quick-gen-key", `${n} <${n}@wharf.test>`, "ed25519", "sign", "never");
  const fprs = gpg("--with-colons", "--list-keys")
    .toString()
    .split("\n")
    .filter((l) => l.startsWith("fpr:"))
    .map((l) => l.split(":")[9] as string);
  return fprs;
}

/** The public key of `fpr` exported (binary) from a GnuPG home. */
export function gpgExport(home: string, fpr: string): Buffer {
  return execFileSync("gpg", ["--batch", "--homedir", home, "--export", fpr]);
}

/** Stops the gpg-agent that key generation and signing started for a GnuPG home. */
export function gpgKill(home: string): void {
  execFileSync("gpgconf", ["--homedir", home, "--kill", "gpg-agent"]);
}

/**
 * A `skopeo copy docker://REF oci:DIR/out:x` under a policy that asks for `sigstoreSigned` by
 * `pubKey`, with registries.d turning sigstore attachments on: Debian's skopeo is built without
 * sigstore, so a found `.sig` attachment fails with "sigstore disabled", a missing one with "no
 * signature exists". Writes its policy.json and registries.d under `dir`; returns the copy and
 * the policy's path.
 */
export async function skopeoSigstoreCopy(
  dir: string,
  pubKey: string,
): Promise<{ copy: (ref: string) => Promise<string>; policy: string }> {
  const policy = join(dir, "policy.json");
  await writeFile(policy, JSON.stringify({ default: [{ type: "sigstoreSigned", keyPath: pubKey }] }));
  await mkdir(join(dir, "rd"), { recursive: true });
  await writeFile(join(dir, "rd", "d.yaml"), "default-docker:\n  use-sigstore-attachments: true\n");
  const copy = (ref: string) =>
    run("skopeo", [
      "--policy",
      policy,
      "--registries.d",
      join(dir, "rd"),
      "copy",
      "--src-tls-verify=false",
      `docker://${ref}`,
      `oci:${join(dir, "out")}:x`,
    ]);
  return { copy, policy };
}

/**
 * A policy that rejects everything but `MIRROR` (a registry host's `mirror` namespace), which must
 * carry a sigstore signature by `pubKey` made for the same image under `SOURCE/team`
 * (`remapIdentity`: the payload names the repository the mirror copied from).
 */
export function mirrorPolicy(mirrorHost: string, sourceHost: string, pubKey: string): unknown {
  return {
    default: [{ type: "reject" }],
    transports: {
      docker: {
        [`${mirrorHost}/mirror`]: [
          {
            type: "sigstoreSigned",
            keyPath: pubKey,
            signedIdentity: {
              type: "remapIdentity",
              prefix: `${mirrorHost}/mirror`,
              signedPrefix: `${sourceHost}/team`,
            },
          },
        ],
      },
    },
  };
}

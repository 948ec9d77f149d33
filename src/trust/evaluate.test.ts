import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Digest, digestOf } from "../digest/index.js";
import { parseReference } from "../reference/index.js";
import { generateKeyPair } from "./cosign-key.js";
import { type EvaluateOptions, evaluate, type Subject } from "./evaluate.js";
import { gpgSign, gpgVerify } from "./gpg.js";
import { signPayload } from "./keys.js";
import { ATOMIC_TYPE, COSIGN_TYPE, makePayload } from "./payload.js";
import type { Requirement } from "./policy.js";

const dir = mkdtempSync(join(tmpdir(), "wharf-eval-"));
const opts: EvaluateOptions = { gpgCache: join(dir, "cache"), gpgVerify };
const digest = digestOf(Buffer.from("manifest"));
const other = digestOf(Buffer.from("other"));
const reference = parseReference("reg.test/ns/app:1");
const mine = generateKeyPair("x");
const theirs = generateKeyPair("y");
writeFileSync(join(dir, "mine.pub"), mine.publicPem);

function cosignSig(
  key = mine,
  claims: { digest?: Digest; reference?: string; type?: typeof COSIGN_TYPE | typeof ATOMIC_TYPE } = {},
) {
  const payload = makePayload({
    type: claims.type ?? COSIGN_TYPE,
    digest: claims.digest ?? digest,
    reference: claims.reference ?? "reg.test/ns/app:1",
    optional: null,
  });
  return { payload, signature: signPayload(key.privateKey, payload).toString("base64"), where: "attachment" };
}

function subject(sigstore: ReturnType<typeof cosignSig>[] = [], gpg: Uint8Array[] = []): Subject {
  return { digest, reference, sigstore: async () => sigstore, gpg: async () => gpg };
}

const sigstoreReq = (identity?: object): Requirement[] => [
  {
    type: "sigstoreSigned",
    keys: [{ path: join(dir, "mine.pub") }],
    signedIdentity: (identity ?? { type: "matchRepoDigestOrExact" }) as never,
  },
];

describe("evaluate: insecureAcceptAnything, reject", () => {
  it("accepts anything / rejects everything, naming the requirement", async () => {
    await expect(evaluate([{ type: "insecureAcceptAnything" }], subject(), opts)).resolves.toEqual([
      { requirement: "insecureAcceptAnything" },
    ]);
    await expect(
      evaluate([{ type: "insecureAcceptAnything" }, { type: "reject" }], subject(), opts),
    ).rejects.toThrow(/requirement reject: the policy rejects every image/);
  });
});

describe("evaluate: sigstoreSigned", () => {
  it("accepts a signature by the key, over this digest, for this reference; names the key", async () => {
    const [a] = await evaluate(sigstoreReq(), subject([cosignSig(theirs), cosignSig()]), opts);
    expect(a).toMatchObject({
      requirement: "sigstoreSigned",
      key: join(dir, "mine.pub"),
      where: "attachment",
    });
    expect(a?.fingerprint).toMatch(/^SHA256:/);
  });
  it.each([
    ["unsigned", [], /requirement sigstoreSigned: no signature was found/],
    ["signed by another key", [cosignSig(theirs)], /signed by another key, or the payload was altered/],
    [
      "signed for another repository",
      [cosignSig(mine, { reference: "reg.test/ns/evil:1" })],
      /signed for reg.test\/ns\/evil:1/,
    ],
    [
      "over another digest (a moved tag)",
      [cosignSig(mine, { digest: other })],
      /the signature is for sha256:/,
    ],
    [
      "of the GPG payload type",
      [cosignSig(mine, { type: ATOMIC_TYPE })],
      /type is "atomic container signature"/,
    ],
  ])("refuses an image %s", async (_what, sigs, msg) => {
    await expect(evaluate(sigstoreReq(), subject(sigs), opts)).rejects.toThrow(msg);
  });
  it("refuses a tampered payload and a signature that is not base64", async () => {
    const good = cosignSig();
    const tampered = { ...good, payload: Buffer.from(good.payload.toString().replace("ns/app", "ns/apx")) };
    await expect(evaluate(sigstoreReq(), subject([tampered]), opts)).rejects.toThrow(/payload was altered/);
    await expect(evaluate(sigstoreReq(), subject([{ ...good, signature: "%%%" }]), opts)).rejects.toThrow(
      /not base64/,
    );
  });
  it("applies signedIdentity", async () => {
    const repoOnly = cosignSig(mine, { reference: "reg.test/ns/app" });
    await expect(evaluate(sigstoreReq(), subject([repoOnly]), opts)).rejects.toThrow(
      /matchRepoDigestOrExact/,
    );
    await expect(
      evaluate(sigstoreReq({ type: "matchRepository" }), subject([repoOnly]), opts),
    ).resolves.toHaveLength(1);
  });
});

describe("evaluate: signedBy (gpg)", () => {
  const home = join(dir, "gnupg");
  let fpr = "";
  let otherFpr = "";
  const env = { ...process.env, GNUPGHOME: home };
  const gpg = (...a: string[]) =>
    execFileSync("gpg", ["--batch", "--pinentry-mode", "loopback", "--passphrase", "", ...a], { env });
  afterAll(() => {
    // Signing started a gpg-agent for this home: stop it, then remove everything.
    execFileSync("gpgconf", ["--homedir", home, "--kill", "gpg-agent"]);
    rmSync(dir, { recursive: true, force: true });
  });
  beforeAll(() => {
    execFileSync("mkdir", ["-m", "700", "-p", home]);
    gpg("--quick-gen-key", "mine <m@test>", "ed25519", "sign", "never");
    gpg("--quick-gen-key", "theirs <t@test>", "ed25519", "sign", "never");
    const fprs = gpg("--with-colons", "--list-keys")
      .toString()
      .split("\n")
      .filter((l) => l.startsWith("fpr:"))
      .map((l) => l.split(":")[9] as string);
    [fpr, otherFpr] = fprs as [string, string];
    writeFileSync(join(dir, "mine.gpg"), gpg("--export", fpr));
  });
  const atomic = (claims: { digest?: Digest; reference?: string } = {}) =>
    makePayload({
      type: ATOMIC_TYPE,
      digest: claims.digest ?? digest,
      reference: claims.reference ?? "reg.test/ns/app:1",
      optional: { creator: "test" },
    });
  const req: Requirement[] = [
    {
      type: "signedBy",
      keyType: "GPGKeys",
      keys: [{ path: join(dir, "mine.gpg") }],
      signedIdentity: { type: "matchRepoDigestOrExact" },
    },
  ];

  it("accepts a simple signature made with the key and names its fingerprint", async () => {
    const sig = await gpgSign(fpr, atomic(), { env });
    const [a] = await evaluate(req, subject([], [sig]), opts);
    expect(a).toMatchObject({ requirement: "signedBy", fingerprint: fpr, where: "lookaside" });
    // Importing and verifying starts no gpg-agent (none would be left running for the cached keyring).
    for (const home of readdirSync(opts.gpgCache)) {
      expect(readdirSync(join(opts.gpgCache, home)).filter((n) => n.startsWith("S.gpg-agent"))).toEqual([]);
    }
  });
  it("refuses another key, another digest, another identity, a tampered message, and nothing", async () => {
    await expect(
      evaluate(req, subject([], [await gpgSign(otherFpr, atomic(), { env })]), opts),
    ).rejects.toThrow(/unknown key/);
    await expect(
      evaluate(req, subject([], [await gpgSign(fpr, atomic({ digest: other }), { env })]), opts),
    ).rejects.toThrow(/the signature is for/);
    await expect(
      evaluate(req, subject([], [await gpgSign(fpr, atomic({ reference: "reg.test/x:1" }), { env })]), opts),
    ).rejects.toThrow(/signed for reg.test\/x:1/);
    const sig = await gpgSign(fpr, atomic(), { env });
    const bad = Buffer.from(sig);
    bad[bad.length - 20] = (bad[bad.length - 20] ?? 0) ^ 0xff;
    await expect(evaluate(req, subject([], [bad]), opts)).rejects.toThrow(/requirement signedBy/);
    await expect(evaluate(req, subject(), opts)).rejects.toThrow(/signedBy: no signature was found/);
  });
});

import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryContentStore } from "../../content/index.js";
import { type Images, keepSignatures, openImages } from "../../images/index.js";
import { makeImage, type TestImage } from "../../images/testing/fixtures.js";
import { parseReference } from "../../reference/index.js";
import { COSIGN_TYPE, makePayload, signPayload } from "../../trust/index.js";
import type { Context } from "../context.js";
import { type FlagSpec, parseFlags } from "../flags.js";
import { TRUST_FLAGS } from "./trust-flags.js";
import { localVerifier } from "./trust-local.js";

const NAME = "registry.example.test/team/app:1";
const key = () => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;

/** An image in a memory store, signed (or not) with sigstore signatures kept beside it. */
describe("localVerifier: the kept signatures, no registry", () => {
  let dir = "";
  let images: Images;
  let app: TestImage;
  let other: TestImage;
  const alice = key();
  const mallory = key();
  const lines: string[] = [];

  const sign = (k: ReturnType<typeof key>, digest: string, reference = NAME) => {
    const payload = makePayload({ type: COSIGN_TYPE, digest: digest as never, reference, optional: null });
    return { kind: "sigstore" as const, payload, signature: signPayload(k, payload).toString("base64") };
  };
  const verify = async (policy: unknown, image: TestImage, env: NodeJS.ProcessEnv = {}) => {
    const file = join(dir, `policy-${Math.random().toString(16).slice(2)}.json`);
    await writeFile(file, JSON.stringify(policy));
    const ctx = { env: { HOME: dir, ...env }, root: dir, debug: false } as unknown as Context;
    const f = parseFlags(["--signature-policy", file], TRUST_FLAGS as FlagSpec[], true);
    const v = await localVerifier(ctx, f, (l) => lines.push(l));
    if (!v) throw new Error("no verifier");
    await v(images, { digest: image.manifest.digest, reference: parseReference(NAME), input: NAME });
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-trust-local-"));
    await writeFile(join(dir, "alice.pub"), createPublicKey(alice).export({ type: "spki", format: "pem" }));
    images = await openImages({ content: memoryContentStore() });
    app = await makeImage(images.content, { layers: [["app", "one"]] });
    other = await makeImage(images.content, { layers: [["other", "two"]] });
    await images.record({ name: NAME, target: app.manifest });
    await images.record({ name: "registry.example.test/team/other:1", target: other.manifest });
    await keepSignatures(images, app.manifest, [
      sign(mallory, app.manifest.digest),
      sign(alice, app.manifest.digest),
    ]);
    // other: alice signed app's digest, kept beside other (a signature over another digest).
    await keepSignatures(images, other.manifest, [sign(alice, app.manifest.digest)]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const sigstore = () => ({
    default: [{ type: "sigstoreSigned", keyPath: join(dir, "alice.pub") }],
  });

  it("accepts an image a trusted key signed, reporting the key and that the signature came from the store", async () => {
    await verify(sigstore(), app);
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^Verified ${NAME}@${app.manifest.digest}: signed by .*alice\\.pub .*signature from the store$`,
      ),
    );
  });

  it("refuses a signature over another digest, and an image with no kept signature", async () => {
    await expect(verify(sigstore(), other)).rejects.toMatchObject({
      code: "signature-rejected",
      message: expect.stringContaining(`the signature is for ${app.manifest.digest}`),
    });
    const bare = await makeImage(images.content, { layers: [["bare", "three"]] });
    await expect(verify(sigstore(), bare)).rejects.toMatchObject({
      code: "signature-rejected",
      message: expect.stringContaining("no signature was found"),
    });
  });

  it("refuses an image whose only signature is by another key", async () => {
    const lone = await makeImage(images.content, { layers: [["lone", "four"]] });
    await images.record({ name: "registry.example.test/team/lone:1", target: lone.manifest });
    await keepSignatures(images, lone.manifest, [sign(mallory, lone.manifest.digest)]);
    await expect(verify(sigstore(), lone)).rejects.toMatchObject({
      message: expect.stringContaining("signed by another key, or the payload was altered"),
    });
  });

  it("an unnamed image passes an accept-anything policy and is refused by one that asks for signatures", async () => {
    const ctx = { env: { HOME: dir }, root: dir, debug: false } as unknown as Context;
    const file = join(dir, "accept.json");
    await writeFile(file, JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
    const v = await localVerifier(
      ctx,
      parseFlags(["--signature-policy", file], TRUST_FLAGS as FlagSpec[], true),
      () => {},
    );
    await v?.(images, { digest: app.manifest.digest, input: "sha256:abc" });
    const strict = join(dir, "strict.json");
    await writeFile(strict, JSON.stringify(sigstore()));
    const s = await localVerifier(
      ctx,
      parseFlags(["--signature-policy", strict], TRUST_FLAGS as FlagSpec[], true),
      () => {},
    );
    await expect(s?.(images, { digest: app.manifest.digest, input: "sha256:abc" })).rejects.toMatchObject({
      code: "signature-rejected",
      message: expect.stringContaining("has no name"),
    });
  });
});

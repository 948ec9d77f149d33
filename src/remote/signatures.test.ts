import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WharfError } from "../errors/index.js";
import { startTestRegistry, type TestRegistry } from "../registry/testing/server.js";
import {
  addSigstoreSignature,
  attachmentTag,
  copyImage,
  createTransport,
  fetchAttachmentSignatures,
  fetchManifest,
  fetchReferrerSignatures,
  lookasidePath,
  type Repository,
  readLookaside,
  removeLookaside,
  removeSigstoreSignatures,
  type StoredSignature,
  type Transport,
  writeLookaside,
} from "./index.js";
import { makeImage, pushImage, type TestImage } from "./testing/images.js";

const fast = { retry: { baseDelayMs: 1, maxDelayMs: 5 } };

describe("sigstore signatures in a registry", () => {
  let reg: TestRegistry;
  let t: Transport;
  let repo: Repository;
  let image: TestImage;
  const sig = (n: number) => ({
    payload: Buffer.from(`{"payload":${n}}`),
    signature: Buffer.from(`sig ${n}`).toString("base64"),
  });
  const sameAs = (n: number) => (s: StoredSignature) => s.payload.toString() === `{"payload":${n}}`;

  beforeAll(async () => {
    reg = await startTestRegistry();
    t = createTransport(reg.host, fast);
    repo = { transport: t, path: "team/app" };
    image = await makeImage({ layers: [1000] });
    await pushImage(repo, image, "1");
  });
  afterAll(async () => {
    t?.close();
    await reg?.close();
  });

  it("adds to the attachment tag and as a referrer, accumulates, and does not duplicate", async () => {
    const subject = image.manifest.desc;
    expect(await addSigstoreSignature(repo, subject, sig(1), sameAs(1))).toEqual({
      attachment: "added",
      referrer: "added",
    });
    expect(await addSigstoreSignature(repo, subject, sig(1), sameAs(1))).toEqual({
      attachment: "present",
      referrer: "present",
    });
    expect(await addSigstoreSignature(repo, subject, sig(2), sameAs(2))).toEqual({
      attachment: "added",
      referrer: "added",
    });
    const att = await fetchAttachmentSignatures(repo, subject.digest);
    expect(att.map((s) => s.payload.toString())).toEqual(['{"payload":1}', '{"payload":2}']);
    expect(att[0]?.annotations["dev.cosignproject.cosign/signature"]).toBe(sig(1).signature);
    const m = await fetchManifest(repo, attachmentTag(subject.digest));
    expect(m.document.kind === "manifest" && m.document.manifest.layers.map((l) => l.mediaType)).toEqual([
      "application/vnd.dev.cosign.simplesigning.v1+json",
      "application/vnd.dev.cosign.simplesigning.v1+json",
    ]);
    const refs = await fetchReferrerSignatures(repo, subject.digest);
    expect(refs.map((s) => s.payload.toString()).sort()).toEqual(['{"payload":1}', '{"payload":2}']);
    expect(refs.every((s) => s.where.startsWith("referrer sha256:"))).toBe(true);
  });

  it("removes only the selected signatures; the attachment goes with its last one", async () => {
    const d = image.manifest.desc.digest;
    expect(await removeSigstoreSignatures(repo, d, sameAs(1))).toBe(2);
    expect((await fetchAttachmentSignatures(repo, d)).map((s) => s.payload.toString())).toEqual([
      '{"payload":2}',
    ]);
    expect((await fetchReferrerSignatures(repo, d)).map((s) => s.payload.toString())).toEqual([
      '{"payload":2}',
    ]);
    expect(await removeSigstoreSignatures(repo, d, sameAs(2))).toBe(2);
    expect(await fetchAttachmentSignatures(repo, d)).toEqual([]);
    expect(await fetchReferrerSignatures(repo, d)).toEqual([]);
  });

  it("copyImage's verifySource refuses before anything reaches the destination", async () => {
    const refuse = async () => {
      throw new WharfError("signature-rejected", "refused");
    };
    await expect(
      copyImage(`${reg.host}/team/app:1`, `${reg.host}/mirror/app:1`, {
        source: fast,
        destination: fast,
        verifySource: refuse,
      }),
    ).rejects.toThrow("refused");
    await expect(fetchManifest({ transport: t, path: "mirror/app" }, "1")).rejects.toThrow(
      /not found|unknown/,
    );
    let seen = "";
    await copyImage(`${reg.host}/team/app:1`, `${reg.host}/mirror/app:1`, {
      source: fast,
      destination: fast,
      verifySource: async ({ top }) => {
        seen = top.digest;
      },
    });
    expect(seen).toBe(image.manifest.desc.digest);
  });
});

describe("lookaside signature stores", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wharf-lookaside-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("writes and reads containers/image's layout, signature-1, -2, ...", async () => {
    const digest = `sha256:${"ab".repeat(32)}` as never;
    expect(lookasidePath("ns/app", digest, 2)).toBe(`ns/app@sha256=${"ab".repeat(32)}/signature-2`);
    const base = pathToFileURL(dir).href;
    const p1 = await writeLookaside(base, "ns/app", digest, Buffer.from("one"));
    await writeLookaside(base, "ns/app", digest, Buffer.from("two"));
    expect(p1).toBe(join(dir, lookasidePath("ns/app", digest, 1)));
    expect(await readFile(p1, "utf8")).toBe("one");
    expect((await readLookaside(base, "ns/app", digest)).map(String)).toEqual(["one", "two"]);
    expect(await readLookaside(base, "ns/other", digest)).toEqual([]);
    await expect(
      writeLookaside("https://sigs.example.test", "ns/app", digest, Buffer.from("x")),
    ).rejects.toThrow(/only file:\/\/ lookaside locations are writable/);
  });

  it("removes chosen signatures and renumbers the rest without a gap", async () => {
    const digest = `sha256:${"cd".repeat(32)}` as never;
    const base = pathToFileURL(dir).href;
    for (const w of ["one", "two", "three", "four"])
      await writeLookaside(base, "ns/rm", digest, Buffer.from(w));
    const seen: number[] = [];
    const drop = (words: string[]) => async (sig: Buffer, n: number) => {
      seen.push(n);
      return words.includes(sig.toString());
    };
    expect(await removeLookaside(base, "ns/rm", digest, drop(["two"]))).toBe(1);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect((await readLookaside(base, "ns/rm", digest)).map(String)).toEqual(["one", "three", "four"]);
    await expect(readFile(join(dir, lookasidePath("ns/rm", digest, 4)))).rejects.toThrow(/ENOENT/);
    expect(await removeLookaside(base, "ns/rm", digest, drop(["nothing"]))).toBe(0);
    expect(await removeLookaside(base, "ns/rm", digest, drop(["one", "four"]))).toBe(2);
    expect((await readLookaside(base, "ns/rm", digest)).map(String)).toEqual(["three"]);
    expect(await removeLookaside(base, "ns/rm", digest, drop(["three"]))).toBe(1);
    expect(await readLookaside(base, "ns/rm", digest)).toEqual([]);
    await expect(removeLookaside("https://sigs.example.test", "ns/rm", digest, drop([]))).rejects.toThrow(
      /only file:\/\/ lookaside locations are writable/,
    );
  });
});

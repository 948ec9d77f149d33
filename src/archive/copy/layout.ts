import { createReadStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { algorithmOf, type Bytes, collect, type Digest, hexOf, randomHex } from "../../digest/index.js";
import { errnoCode, WharfError } from "../../errors/index.js";
import { signatureSubject } from "../../images/index.js";
import { checkDescriptor, type Descriptor, MediaType } from "../../oci/index.js";
import { isSignatureEntry } from "../image/signatures.js";
import { REF_NAME } from "../image/write-archive.js";
import { entryReferrers, referrerEntries } from "./referrers.js";
import type { CopiedTop, CopyDestination, CopySource } from "./types.js";

const DOC_LIMIT = 4 << 20;

const blobFile = (dir: string, d: Digest) => join(dir, "blobs", algorithmOf(d), hexOf(d));

interface LayoutIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  [k: string]: unknown;
}

/** A layout's `index.json` (an empty one when the layout is new). */
export async function readLayoutIndex(dir: string, required: boolean): Promise<LayoutIndex> {
  let text: string;
  try {
    text = await readFile(join(dir, "index.json"), "utf8");
  } catch (e) {
    if (errnoCode(e) === "ENOENT" && !required) return { schemaVersion: 2, manifests: [] };
    if (errnoCode(e) === "ENOENT") {
      throw new WharfError("not-found", `${dir} is not an OCI image layout (no index.json)`, {
        hint: "give the directory of an OCI layout (oci-layout, index.json, blobs/)",
      });
    }
    throw e;
  }
  const doc = JSON.parse(text) as LayoutIndex;
  if (doc?.schemaVersion !== 2 || !Array.isArray(doc.manifests)) {
    throw new WharfError("corrupt", `${join(dir, "index.json")} is not an OCI image index`);
  }
  for (const [i, m] of doc.manifests.entries()) checkDescriptor(m, `index.json manifests[${i}]`);
  return doc;
}

/** The entry of an index that `ref` names by `ref.name` (or the only one, when no ref is given). */
export function pickEntry(
  entries: readonly Descriptor[],
  ref: string | undefined,
  where: string,
): Descriptor {
  if (ref === undefined) {
    if (entries.length === 1) return entries[0] as Descriptor;
    throw new WharfError("invalid-argument", `${where} holds ${entries.length} images; name one with :REF`, {
      hint: `its names: ${entries.map((e) => e.annotations?.[REF_NAME] ?? e.digest).join(", ") || "none"}`,
    });
  }
  const hit = entries.find((e) => e.annotations?.[REF_NAME] === ref);
  if (!hit) {
    throw new WharfError("image-not-found", `no image named ${JSON.stringify(ref)} in ${where}`, {
      hint: `its names: ${
        entries
          .map((e) => e.annotations?.[REF_NAME])
          .filter(Boolean)
          .join(", ") || "none"
      }`,
    });
  }
  return hit;
}

const clean = (d: Descriptor): Descriptor => {
  const { annotations: _a, ...rest } = d;
  return rest;
};

/** An OCI image layout directory read as a copy source (`oci:DIR[:REF]`). */
export async function layoutSource(dir: string, ref: string | undefined): Promise<CopySource> {
  const index = await readLayoutIndex(dir, true);
  const root = clean(
    pickEntry(
      index.manifests.filter((d) => !isSignatureEntry(d)),
      ref,
      dir,
    ),
  );
  return {
    root,
    referrers: entryReferrers(index.manifests),
    readDocument: async (d) => {
      try {
        return await collect(createReadStream(blobFile(dir, d.digest)), DOC_LIMIT);
      } catch (e) {
        if (errnoCode(e) === "ENOENT") return undefined;
        throw e;
      }
    },
    openBlob: async (d) => {
      const s = createReadStream(blobFile(dir, d.digest), { highWaterMark: 1 << 20 });
      await new Promise<void>((resolve, reject) => {
        s.once("open", () => resolve());
        s.once("error", (e) =>
          reject(
            errnoCode(e) === "ENOENT" ? new WharfError("blob-unknown", `${d.digest} is not in ${dir}`) : e,
          ),
        );
      });
      return s;
    },
    close: async () => {},
  };
}

/** Writes a file beside its place, then renames it there (readers never see half a blob). */
async function writeAtomic(path: string, body: Bytes | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${randomHex(6)}`;
  try {
    if (body instanceof Uint8Array) await writeFile(tmp, body);
    else {
      const fh = await open(tmp, "w");
      await pipeline(body, fh.createWriteStream());
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * An OCI image layout directory as a copy destination (`oci:DIR[:REF]`, made when missing): blobs
 * written beside their place and renamed in, then `index.json` names the top document with
 * `ref.name` REF (an entry of the same name is replaced, as skopeo does).
 */
export async function layoutDestination(dir: string, ref: string | undefined): Promise<CopyDestination> {
  await mkdir(join(dir, "blobs"), { recursive: true });
  const has = async (d: Digest) => (await stat(blobFile(dir, d)).catch(() => undefined))?.isFile() === true;
  return {
    concurrency: 4,
    hasBlob: (d) => has(d.digest),
    putBlob: (d, body) => writeAtomic(blobFile(dir, d.digest), body),
    putDocument: async (d, bytes) => {
      if (!(await has(d.digest))) await writeAtomic(blobFile(dir, d.digest), bytes);
    },
    async finish(top: CopiedTop, _mediaType, referrers) {
      if (!(await has(top.desc.digest))) await writeAtomic(blobFile(dir, top.desc.digest), top.bytes);
      for (const r of referrers) {
        if (!(await has(r.desc.digest))) await writeAtomic(blobFile(dir, r.desc.digest), r.bytes);
      }
      const index = await readLayoutIndex(dir, false);
      const entry: Descriptor = { ...clean(top.desc), ...(ref ? { annotations: { [REF_NAME]: ref } } : {}) };
      index.manifests = index.manifests.filter((m) => ref === undefined || m.annotations?.[REF_NAME] !== ref);
      index.manifests.push(entry);
      // Referrers listed as `save` lists signatures (each entry names its subject), once each.
      for (const e of referrerEntries(referrers)) {
        const s = signatureSubject(e);
        if (!index.manifests.some((m) => m.digest === e.digest && signatureSubject(m) === s)) {
          index.manifests.push(e);
        }
      }
      await writeAtomic(
        join(dir, "oci-layout"),
        Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" })),
      );
      await writeAtomic(
        join(dir, "index.json"),
        Buffer.from(JSON.stringify({ ...index, mediaType: MediaType.ociIndex })),
      );
    },
    close: async () => {},
  };
}

/** The `ref.name`s of a layout (for `--sync`). */
export async function layoutTags(dir: string, required: boolean): Promise<string[]> {
  const index = await readLayoutIndex(dir, required);
  return index.manifests.flatMap((m) =>
    m.annotations?.[REF_NAME] && !isSignatureEntry(m) ? [m.annotations[REF_NAME]] : [],
  );
}

import { collect, type Digest, randomHex } from "../../digest/index.js";
import { WharfError } from "../../errors/index.js";
import { DOCUMENT_LIMIT, type Images, listImages, resolveImage } from "../../images/index.js";
import { hostPlatform, isIndexMediaType, selectPlatform } from "../../oci/index.js";
import { parseReference, type Reference, repositoryName } from "../../reference/index.js";
import type { CopiedTop, CopyDestination, CopySource } from "./types.js";

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** Checks a store image under the signature policy before it is copied (the CLI's `localVerifier`). */
export type VerifyStored = (
  images: Images,
  image: { digest: Digest; reference?: Reference; input: string },
) => Promise<void>;

/**
 * wharf's store read as a copy source (`wharf:NAME`, also an ID): the image its name records,
 * checked by `verify` (with the signatures kept beside it) before the copy starts.
 */
export async function storeSource(images: Images, name: string, verify?: VerifyStored): Promise<CopySource> {
  const r = await resolveImage(images, name);
  const entry = r.entry ?? r.image.entries[0];
  if (!entry) throw new WharfError("image-not-found", `No such image: ${name}`);
  if (verify) {
    const named = entry.ref ? entry : (r.image.entries.find((e) => e.ref) ?? entry);
    await verify(images, {
      digest: named.desc.digest,
      input: name,
      ...(named.ref ? { reference: named.ref } : {}),
    });
  }
  const { annotations: _a, ...root } = entry.desc;
  return {
    root,
    // The recorded platform manifest, found by digest among the index's entries by the copy loop.
    ...(entry.manifest !== root.digest ? { preferred: entry.manifest } : {}),
    readDocument: async (d) =>
      (await images.content.info(d.digest))
        ? collect(await images.content.read(d.digest), DOCUMENT_LIMIT)
        : undefined,
    openBlob: (d) => images.content.read(d.digest),
    close: async () => {},
  };
}

/**
 * wharf's store as a copy destination (`wharf:NAME`): blobs through the store's ingest (verified on
 * commit), then the name recorded, with the platform manifest for this machine when the top is an
 * index (else its first manifest copied).
 */
export function storeDestination(images: Images, name: string): CopyDestination {
  let n = 0;
  const prefix = `copy-${process.pid}-${randomHex(4)}`;
  const write = async (d: { digest: Digest; size: number }, chunks: AsyncIterable<Uint8Array>) => {
    const w = await images.content.ingest(`${prefix}-${n++}`);
    try {
      for await (const c of chunks) await w.write(c);
      await w.commit({ digest: d.digest, size: d.size });
    } finally {
      await w.abort().catch(() => undefined);
    }
  };
  return {
    concurrency: 4,
    hasBlob: async (d) => (await images.content.info(d.digest))?.size === d.size,
    putBlob: (d, body) => write(d, body),
    putDocument: async (d, bytes) => {
      if ((await images.content.info(d.digest)) === undefined) await write(d, once(bytes));
    },
    async finish(top: CopiedTop, _mediaType, referrers) {
      if ((await images.content.info(top.desc.digest)) === undefined) {
        await write(top.desc, once(top.bytes));
      }
      let manifest = top.desc;
      if (isIndexMediaType(top.desc.mediaType)) {
        const copied = top.manifests.map((m) => m.desc);
        manifest = selectPlatform(copied, hostPlatform()) ?? (copied[0] as typeof manifest);
      }
      await images.record({ name, target: top.desc, manifest });
      for (const r of referrers) {
        if ((await images.content.info(r.desc.digest)) === undefined) await write(r.desc, once(r.bytes));
      }
    },
    close: async () => {},
  };
}

/** The tags of one repository in wharf's store (for `--sync`). */
export async function storeTags(images: Images, repo: string): Promise<string[]> {
  const want = repositoryName(parseReference(repo));
  return (await listImages(images)).flatMap((img) =>
    img.names.flatMap((n) => {
      const r = parseReference(n);
      return r.tag !== undefined && repositoryName(r) === want ? [r.tag] : [];
    }),
  );
}
